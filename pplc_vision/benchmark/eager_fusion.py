"""Conv+activation fusion for CPU deployment in PyTorch: torch's public paths timed in one run on
the same network, threads and input (batch 1, fp32).

Paths (each starts from the same re-parameterised, BN-folded network, ``deploy_model``):

- ``eager``: the BN-folded module as it is (the baseline of the speed-ups);
- ``jit``: :func:`~pplc_vision.deploy.jit_freeze.freeze_for_inference` (``torch.jit.trace`` +
  ``freeze`` + ``optimize_for_inference``; folds conv+activation into oneDNN calls): what
  ``PyTorchEngine`` runs in fp32. A private path (``torch.ops.mkldnn`` conv+activation ops in
  eager mode) was measured against it on 2026-12-02 and removed: it never won (the table in
  docs/benchmarks.md);
- ``compile``: ``torch.compile`` (TorchInductor on the CPU; needs a C++ compiler). A path that
  fails to build is reported in the table with its error instead of stopping the run.
"""
import copy
import dataclasses
from typing import Callable, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from ..deploy.engines.base import flatten_outputs
from ..deploy.fuse import deploy_model
from ..deploy.jit_freeze import freeze_for_inference
from .timing import LatencyStats, time_calls

EAGER_PATHS = ('eager', 'jit', 'compile')
DESCRIPTIONS = {
    'eager': 'eager, BN folded (baseline)',
    'jit': '`torch.jit.trace` + `freeze` + `optimize_for_inference` (deprecated in torch 2.14)',
    'compile': '`torch.compile` (TorchInductor, CPU)',
}


@dataclasses.dataclass(frozen=True)
class PathResult:
    """One path's latency, or why it could not run; ``max_rel_diff`` compares its output with
    the eager baseline's (max |out - ref| / max |ref|)."""
    path: str
    stats: Optional[LatencyStats]
    max_rel_diff: Optional[float]
    error: Optional[str] = None


def _compile(deployed: nn.Module, example: torch.Tensor) -> Callable:
    return torch.compile(copy.deepcopy(deployed))


_BUILDERS = {'eager': lambda deployed, example: deployed, 'jit': freeze_for_inference,
             'compile': _compile}


def _output(fn: Callable, x: torch.Tensor) -> np.ndarray:
    with torch.inference_mode():
        return np.concatenate([t.float().numpy().ravel() for t in flatten_outputs(fn(x))])


def compare_eager_fusion(network: nn.Module, example: torch.Tensor,
                         paths: Sequence[str] = EAGER_PATHS, warmup: int = 20,
                         iters: int = 200) -> List[PathResult]:
    """Time each of ``paths`` on ``network`` (a tensor-in module, eval mode) with ``example``.

    The thread count is torch's current one (set it first). A path whose build or first run
    raises is returned with its one-line error and no timing.
    """
    unknown = [p for p in paths if p not in EAGER_PATHS]
    if unknown or not paths:
        raise ValueError(f'eager fusion paths must be among {EAGER_PATHS}, got {list(paths)}')
    if example.dim() != 4 or example.shape[0] != 1:
        raise ValueError(f'eager fusion: expected a (1, C, H, W) example, got '
                         f'{tuple(example.shape)}')
    deployed, _, _ = deploy_model(network)
    reference = _output(deployed, example)
    results = []
    for path in paths:
        try:
            with torch.inference_mode():
                fn = _BUILDERS[path](deployed, example)
            out = _output(fn, example)  # builds (compiles) on the first call
        except Exception as e:  # noqa: BLE001 -- any failure is a row of the table, not a crash
            message = str(e).strip().splitlines()[0] if str(e).strip() else ''
            results.append(PathResult(path, None, None, f'{type(e).__name__}: {message}'[:200]))
            continue
        rel = float(np.abs(out - reference).max() / max(np.abs(reference).max(), 1e-12))
        with torch.inference_mode():
            stats = time_calls(lambda: fn(example), warmup, iters, desc=path)
        results.append(PathResult(path, stats, rel))
    return results


def render_eager_fusion(results: Sequence[PathResult], title: str, machine_line: str,
                        command: str) -> str:
    """The comparison as a markdown section: the machine, the command and one row per path."""
    base = next((r.stats.median for r in results if r.path == 'eager' and r.stats), None)
    lines = [f'### {title}', '', machine_line + ' Precision fp32.', '',
             f'Command: `{command}`', '',
             '| path | median (ms) | p90 (ms) | spread p90 - min (ms) | speed-up vs eager '
             '(median) | max rel. diff vs eager |', '|---|---|---|---|---|---|']
    for r in results:
        if r.stats is None:
            lines.append(f'| {DESCRIPTIONS[r.path]} | failed: {r.error} | | | | |')
            continue
        speedup = f'{base / r.stats.median:.2f}x' if base else '-'
        lines.append(f'| {DESCRIPTIONS[r.path]} | {r.stats.median:.2f} | {r.stats.p90:.2f} | '
                     f'{r.stats.p90 - r.stats.min:.2f} | {speedup} | {r.max_rel_diff:.1e} |')
    iters = {r.stats.iters for r in results if r.stats}
    lines += ['', f'{", ".join(map(str, sorted(iters)))} timed calls per path, batch 1.']
    return '\n'.join(lines)

