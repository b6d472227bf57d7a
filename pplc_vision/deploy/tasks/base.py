"""The interface of a deployment task: everything that differs between classification,
detection and segmentation, so that callers (the predictor, the export, the benchmarks, the
tools) hold no task branch. See :mod:`pplc_vision.deploy.tasks` for the extension points."""
import copy
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type

import numpy as np
import torch
from mmengine.config import Config
from torch import nn

from ...registry import build_model_from_config
from ..class_names import config_class_names, test_dataset_cfg
from ..contract import Contract, model_section
from ..export import DEFAULT_OPSET, export_onnx
from ..inputs import PredictorInputError
from ..predictions import DatasetIds, Prediction

Shape = List[Optional[int]]


class TaskError(ValueError):
    """A config, a graph or an option that the task cannot take: one line naming it."""


def describe_shapes(shapes: Sequence[Shape]) -> str:
    return ', '.join(str(tuple('?' if d is None else d for d in s)) for s in shapes)


def check_wrapped(wrapper: str, model: nn.Module, expected: str, attrs: Sequence[str],
                  output: Optional[str] = None, outputs: Sequence[str] = ()) -> None:
    """The checks of an export wrapper's arguments: a ValueError for an ``output`` not in
    ``outputs`` and a TypeError for a ``model`` without one of ``attrs``, each one line."""
    if outputs and output not in outputs:
        raise ValueError(f'{wrapper}: output must be one of {tuple(outputs)}, got {output!r}')
    for attr in attrs:
        if not hasattr(model, attr):
            raise TypeError(f'{wrapper}: expected {expected}, got {type(model).__name__} '
                            f'without `{attr}`')


def fits(dim: Optional[int], expected: int) -> bool:
    """A declared dimension (``None``: dynamic) that can hold ``expected``."""
    return dim is None or dim == expected


class Task:
    """One OpenMMLab codebase (its ``default_scope``) as a deployment task.

    Class attributes:
        name: ``classification``, ``detection`` or ``segmentation`` (results, contracts).
        scope: The config's ``default_scope`` that selects the task (:func:`task_for`).
        graphs: The graphs it exports (what they end with), the default first.
        result_type: The :class:`~pplc_vision.deploy.predictions.Prediction` it returns.
        legacy_channel_order: The channel order of graphs exported before contracts.
        end_to_end_includes: What :meth:`end_to_end_module` adds to the network (benchmarks);
            empty when the task has no end-to-end module beyond the network.
        overhead_graphs: The graphs whose predictor overhead the benchmarks time (the
            predictor's post-processing beyond the network); empty: none.
    """
    name: ClassVar[str] = ''
    scope: ClassVar[str] = ''
    graphs: ClassVar[Tuple[str, ...]] = ()
    result_type: ClassVar[Type[Prediction]] = Prediction
    legacy_channel_order: ClassVar[str] = 'BGR'
    end_to_end_includes: ClassVar[str] = ''
    overhead_graphs: ClassVar[Tuple[str, ...]] = ()

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg

    # ------------------------------------------------------------------- model and data
    def build_model(self) -> nn.Module:
        """The config's model (eval mode, its own initial weights)."""
        return build_model_from_config(self.cfg)

    def num_classes(self, model: nn.Module) -> int:
        raise NotImplementedError

    def test_pipeline(self) -> List[dict]:
        """The transforms of the test dataloader's dataset, as ``tools/test.py`` runs them
        (dataset wrappers are looked through; no task library needed)."""
        pipeline = test_dataset_cfg(self.cfg).get('pipeline')
        if not pipeline:
            raise TaskError(f'config {self.cfg.filename}: no test pipeline '
                            f'(test_dataloader.dataset.pipeline)')
        return [copy.deepcopy(dict(t)) for t in pipeline]

    def inference_pipeline(self) -> List[dict]:
        """The test pipeline without its file and annotation loaders (images come decoded)."""
        return [t for t in self.test_pipeline()
                if not str(t['type']).split('.')[-1].startswith('Load')]

    def class_names(self, num_classes: int) -> List[str]:
        """The test set's class names (``class0, ...`` when the config names none)."""
        return config_class_names(self.cfg, num_classes)

    # ---------------------------------------------------------------------------- export
    def export(self, model: nn.Module, path: str, shape: Sequence[int],
               graph: Optional[str] = None, dynamic: bool = False,
               opset: int = DEFAULT_OPSET) -> str:
        """Export ``model`` for ``(1, 3, H, W)`` BGR 0..255 inputs (``shape`` = H, W) with its
        contract in the file's metadata; ``dynamic`` makes what the graph allows dynamic."""
        graph = graph or self.graphs[0]
        if graph not in self.graphs:
            raise TaskError(f'{self.name} exports the graphs {self.graphs}, not {graph!r}')
        if len(shape) != 2 or any(int(s) < 1 for s in shape):
            raise TaskError(f'--shape must be H W (two positive sizes), got {tuple(shape)}')
        self.check_export_shape(model, shape)
        module, output_names = self.export_module(model, graph)
        axes = self.dynamic_axes(graph, output_names) if dynamic else None
        spatial = bool(axes) and 2 in axes.get('input', {})
        contract = self.contract(model, graph, None if spatial else (int(shape[0]), int(shape[1])))
        example = torch.rand(1, 3, int(shape[0]), int(shape[1])) * 255
        return export_onnx(module, example, path, output_names=output_names, dynamic_axes=axes,
                           opset=opset, metadata=contract.to_metadata())

    def export_module(self, model: nn.Module, graph: str) -> Tuple[nn.Module, Tuple[str, ...]]:
        """The tensor-in module of ``graph`` and its output names."""
        raise NotImplementedError

    def dynamic_axes(self, graph: str, output_names: Sequence[str]
                     ) -> Optional[Dict[str, Dict[int, str]]]:
        """The axes ``--dynamic`` makes dynamic (default: the batch)."""
        return dict({'input': {0: 'batch'}}, **{n: {0: 'batch'} for n in output_names})

    def check_export_shape(self, model: nn.Module, shape: Sequence[int]) -> None:
        """One line when the network cannot take ``shape`` as a graph input."""

    def graph_test_cfg(self, model: nn.Module, graph: str) -> Dict[str, Any]:
        """The ``test_cfg`` values ``graph`` fixes at export (none by default)."""
        return {}

    def contract(self, model: nn.Module, graph: str,
                 input_size: Optional[Tuple[int, int]]) -> Contract:
        """What an export of ``model`` as ``graph`` is, for its file and for the checks."""
        num_classes = self.num_classes(model)
        return Contract(task=self.name, graph=graph, num_classes=num_classes,
                        class_names=self.class_names(num_classes), model=model_section(self.cfg),
                        input_size=input_size, test_cfg=self.graph_test_cfg(model, graph))

    # ----------------------------------------------------------------- a graph and a config
    def graph_of(self, model: nn.Module, output_shapes: Sequence[Shape], path: str) -> str:
        """The graph of file ``path`` whose outputs have ``output_shapes`` (``None``: dynamic);
        one line (:meth:`mismatch`) when no graph of this config has them."""
        raise NotImplementedError

    def host_test_cfg(self, model: nn.Module, graph: str, fixed: Optional[Dict[str, Any]],
                      path: str) -> Dict[str, Any]:
        """The config's ``test_cfg`` against the values ``graph`` fixed (``fixed``; ``None``: a
        file without contract): what the host applies after the graph; a value that only a new
        export can give is a one-line error. No test_cfg value is fixed by default."""
        return {}

    def fits_input(self, image_hw: Tuple[int, int], graph_hw: Tuple[int, int]) -> bool:
        """Whether a pre-processed image of ``image_hw`` can be fed to a static graph input
        (default: the same size)."""
        return tuple(image_hw) == tuple(graph_hw)

    def refuse_graph(self, graph: str, path: str) -> None:
        """One line for a graph whose results the predictor cannot post-process."""

    # ------------------------------------------------------------------ host-side stages
    def postprocess(self, model: nn.Module, graph: str, outputs: Sequence[np.ndarray],
                    sample: Any, host_cfg: Dict[str, Any]) -> Dict[str, Any]:
        """The model's own post-processing of the engine's ``outputs`` for one image: the
        fields of :attr:`result_type` (``sample``: the data sample, its predictions set)."""
        raise NotImplementedError

    def dataset_ids(self) -> Optional[DatasetIds]:
        """The test set's image and category ids for the results' records (``None``: the
        records carry indices only, the default)."""
        return None

    # ------------------------------------------------------------------------ benchmarks
    def end_to_end_module(self, model: nn.Module) -> Optional[nn.Module]:
        """The network with the post-processing a deployment puts in the graph (BGR 0..255
        in), ``None`` when there is none beyond the network."""
        return None

    # --------------------------------------------------------------------------- drawing
    def palette(self, class_names: Sequence[str]) -> Optional[list]:
        """A colour per class when the visualizer needs one and the dataset gives none."""
        return None

    def draw(self, visualizer: Any, image_rgb: np.ndarray, prediction: Prediction,
             out_file: str, score_thr: float) -> None:
        """Draw ``prediction`` with the config's visualizer, as ``tools/test.py --show-dir``."""
        visualizer.add_datasample(prediction.name, image_rgb, prediction.sample, draw_gt=False,
                                  show=False, out_file=out_file)

    # -------------------------------------------------------------------- training tools
    def enable_show_dir(self, cfg: Config, show_dir: str) -> None:
        """Switch on ``default_hooks.visualization`` of a test run to draw into ``show_dir``,
        as the codebase's own ``tools/test.py`` does."""
        raise NotImplementedError

    # ------------------------------------------------------------------------- messages
    def mismatch(self, path: str, shapes: Sequence[Shape], expected: str) -> PredictorInputError:
        return PredictorInputError(f'{path}: outputs {describe_shapes(shapes)} do not fit config '
                                   f'{self.cfg.filename} ({expected})')
