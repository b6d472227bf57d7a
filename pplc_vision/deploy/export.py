"""ONNX export of any tensor-in/tensor-out module: the one export path of all three tasks.

OpenMMLab models take data samples; each task wraps its model into a plain module first
(see the task modules next to this one) and exports it here.
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
                dynamo: bool = False) -> str:
    """Export ``module`` (eval mode) to a single ONNX file, written atomically; returns ``path``.

    The TorchScript exporter (``dynamo=False``) is the default: it handles the data-dependent
    Python of OpenMMLab heads by tracing. Weights are stored inside the file (no external data),
    so the graph is serialised in memory and then published with
    :func:`~pplc_vision.engine.atomic_save.atomic_write_bytes`.
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
    atomic_write_bytes(buffer.getvalue(), path)
    return path


def onnxruntime_session(path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session with a fixed thread count (``None``: onnxruntime's default)."""
    try:  # optional dependency (the [deploy] extra): export itself does not need it
        import onnxruntime as ort
    except ImportError:
        raise ImportError('onnxruntime is not installed: pip install -e .[deploy]') from None
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
