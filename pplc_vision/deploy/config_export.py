"""ONNX export of any pplc_vision config's model (classification, detection, segmentation).

The config's task (:func:`~pplc_vision.deploy.tasks.task_for`) exports its graph: the input is
the image batch in 0..255 in BGR order (the swap and the normalisation are in the graph), and
the file carries the contract it was exported with (:mod:`~pplc_vision.deploy.contract`).
"""
from typing import Optional, Sequence

from mmengine.config import Config

from ..converters.checkpoint_fit import load_checkpoint_strict
from .export import DEFAULT_OPSET
from .tasks import task_for


def export_config_onnx(config: str,
                       out: str,
                       shape: Sequence[int],
                       checkpoint: Optional[str] = None,
                       dynamic: bool = False,
                       graph: Optional[str] = None,
                       opset: int = DEFAULT_OPSET) -> str:
    """Build ``config``'s model, load ``checkpoint`` strictly and export ``graph`` (the task's
    default when ``None``; see :attr:`~pplc_vision.deploy.tasks.Task.graphs`) to ``out`` for
    ``shape`` = (H, W); returns ``out``."""
    cfg = Config.fromfile(config)
    task = task_for(cfg)
    model = task.build_model()
    if checkpoint:
        load_checkpoint_strict(model, checkpoint, config)
    return task.export(model, out, shape, graph=graph, dynamic=dynamic, opset=opset)
