"""ONNX export of any tensor-in/tensor-out module: the one export path of all three tasks.

OpenMMLab models take data samples; each task wraps its model into a plain module first
(see the task modules next to this one) and exports it here.
"""
import os
import tempfile
from typing import Dict, Optional, Sequence

import torch
from torch import nn

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
    Python of OpenMMLab heads by tracing. Weights are stored inside the file (no external data).
    """
    if example.dim() != 4:
        raise ValueError(f'export_onnx: expected an (N, C, H, W) example input, '
                         f'got shape {tuple(example.shape)}')
    module.eval()
    switch_to_deploy(module)  # MobileOne: export the branch-free form
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.onnx', dir=folder)
    os.close(fd)
    try:
        with torch.no_grad():
            torch.onnx.export(
                module, (example, ), tmp, input_names=list(input_names),
                output_names=list(output_names), dynamic_axes=dynamic_axes,
                opset_version=opset, dynamo=dynamo, external_data=False,
                do_constant_folding=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def onnxruntime_session(path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session with a fixed thread count (``None``: onnxruntime's default)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError('onnxruntime is not installed: pip install -e .[deploy]') from None
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
