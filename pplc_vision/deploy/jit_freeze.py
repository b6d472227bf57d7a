"""Eager PyTorch deployment through torch's public inference path: trace, freeze, optimise.

``torch.jit.freeze`` inlines the weights and ``torch.jit.optimize_for_inference`` folds each
convolution and its activation into one oneDNN (MKLDNN) call. Measured against the private
``torch.ops.mkldnn`` conv+activation ops this replaced (docs/benchmarks.md, "Eager
conv+activation fusion"), it was as fast or faster in every run, so the private path was
removed. torch 2.14 marks TorchScript deprecated; torch is pinned in setup.cfg, and the
deprecation warnings are silenced here only.
"""
import warnings

import torch
from torch import nn


def freeze_for_inference(module: nn.Module, example: torch.Tensor) -> torch.jit.ScriptModule:
    """``module`` (eval mode, tensor in, tensors out) traced on ``example``, frozen and
    optimised for CPU inference. Other input sizes run too (the graph holds no fixed shape
    for convolutions); shape-dependent Python control flow is fixed at ``example``'s."""
    if module.training:
        raise ValueError(f'freeze_for_inference: {type(module).__name__} must be in eval mode')
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter('ignore', FutureWarning)  # TorchScript's deprecation (torch 2.14)
        warnings.simplefilter('ignore', DeprecationWarning)
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        traced = torch.jit.trace(module, example, check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
