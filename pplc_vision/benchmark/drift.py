"""How far an engine's outputs drift from a reference (eager PyTorch fp32) on the same images.

Imports only numpy (and any :class:`~pplc_vision.deploy.engines.InferenceEngine` as a callable),
never other benchmark modules.
"""
import dataclasses
from typing import Callable, List, Optional, Sequence

import numpy as np


@dataclasses.dataclass(frozen=True)
class OutputDrift:
    """How far an engine's outputs are from a reference (PyTorch fp32) on the same images."""
    relative_error: float  # max |out - ref| / max |ref|, the worst over all outputs
    max_abs_error: float  # the largest output (logit) error
    # fraction of images (classifiers) or pixels (segmenters) with the same argmax
    top1_agreement: Optional[float]
    images: int


def run_batches(engine: Callable[[np.ndarray], Sequence[np.ndarray]], images: np.ndarray,
                batch: int = 1) -> List[np.ndarray]:
    """Every output of ``engine`` on ``images``, ``batch`` images at a time, concatenated."""
    if len(images) == 0 or len(images) % batch:
        raise ValueError(f'run_batches: {len(images)} images are not a positive multiple of '
                         f'batch {batch}')
    outs = [engine(images[i:i + batch]) for i in range(0, len(images), batch)]
    return [np.concatenate(parts) for parts in zip(*outs)]


def measure_drift(reference: Sequence[np.ndarray], outputs: Sequence[np.ndarray]
                  ) -> OutputDrift:
    """Compare outputs with references of the same shapes (a single array or one per output)."""
    if isinstance(reference, np.ndarray):
        reference, outputs = [reference], [outputs]
    if len(reference) != len(outputs):
        raise ValueError(f'measure_drift: {len(outputs)} outputs, {len(reference)} references')
    rel, worst = 0.0, 0.0
    for ref, out in zip(reference, outputs):
        if ref.shape != out.shape:
            raise ValueError(f'measure_drift: output shape {out.shape} differs from the '
                             f'reference {ref.shape}')
        diff = float(np.abs(out.astype(np.float64) - ref.astype(np.float64)).max())
        rel = max(rel, diff / max(float(np.abs(ref).max()), 1e-12))
        worst = max(worst, diff)
    top1 = None
    if len(reference) == 1 and reference[0].ndim in (2, 4):  # class scores or per-pixel ones
        top1 = float((reference[0].argmax(1) == outputs[0].argmax(1)).mean())
    return OutputDrift(relative_error=rel, max_abs_error=worst, top1_agreement=top1,
                       images=len(reference[0]))
