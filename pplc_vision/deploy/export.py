"""ONNX export of any tensor-in/tensor-out module: the one export path of all three tasks.

OpenMMLab models take data samples; each task wraps its model into a plain module first
(:mod:`pplc_vision.deploy.tasks`) and exports it here, with the contract it was exported with
(:mod:`.contract`) written into the file's ``metadata_props``.
"""
import io
from typing import Dict, Optional, Sequence

import torch
from torch import nn

from ..engine.atomic_save import atomic_write_bytes
from .reparam import switch_to_deploy

DEFAULT_OPSET = 17


def export_onnx(module: nn.Module,
                example: torch.Tensor,
                path: str,
                input_names: Sequence[str] = ('input', ),
                output_names: Sequence[str] = ('output', ),
                dynamic_axes: Optional[Dict[str, Dict[int, str]]] = None,
                opset: int = DEFAULT_OPSET,
                dynamo: bool = False,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Export ``module`` (eval mode) to a single ONNX file, written atomically; returns ``path``.

    The TorchScript exporter (``dynamo=False``) is the default: it handles the data-dependent
    Python of OpenMMLab heads by tracing. Weights are stored inside the file (no external data),
    so the graph is serialised in memory and then published with
    :func:`~pplc_vision.engine.atomic_save.atomic_write_bytes`. ``metadata`` becomes the
    file's ``metadata_props`` (string keys and values).
    """
    if example.dim() != 4:
        raise ValueError(f'export_onnx: expected an (N, C, H, W) example input, '
                         f'got shape {tuple(example.shape)}')
    module.eval()
    switch_to_deploy(module)  # MobileOne: export the branch-free form
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            module, (example, ), buffer, input_names=list(input_names),
            output_names=list(output_names), dynamic_axes=dynamic_axes,
            opset_version=opset, dynamo=dynamo, external_data=False,
            do_constant_folding=True)
    data = buffer.getvalue()
    if metadata:
        data = with_metadata(data, metadata)
    atomic_write_bytes(data, path)
    return path


def with_metadata(model_bytes: bytes, metadata: Dict[str, str]) -> bytes:
    """A serialised ONNX model with ``metadata`` as its ``metadata_props`` (replacing any)."""
    try:  # optional dependency (the [deploy] extra), needed only to write the contract
        import onnx
    except ImportError:
        raise ImportError('writing the model contract needs onnx: pip install -e .[deploy]') \
            from None
    model = onnx.load_from_string(model_bytes)
    del model.metadata_props[:]
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=value)
    return model.SerializeToString()
