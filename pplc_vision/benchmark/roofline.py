"""The machine's compute roof, measured in the same run as the networks it is compared with:
dense GEMM throughput (PyTorch's oneDNN/BLAS ``matmul``) in fp32 and bf16 at the thread count
of the latency figures, and each network's achieved MAC rate as a fraction of it.

A depthwise-heavy network reaches a small fraction of the GEMM roof; the fraction says how much
of the machine a network leaves unused, which an absolute latency cannot say across machines.
"""
import time
from typing import Any, Dict, Optional

import numpy as np
import torch

GEMM_SIZE = 1024  # square matrices: 2.1 GFLOP per product, well above cache effects
PEAK_OF = {'fp32': 'fp32', 'bf16': 'bf16', 'int8': 'fp32'}  # int8: against the fp32 roof


def roof_for(precision: str, ran_as_fp32: bool = False) -> str:
    """The roof a result is measured against: its precision's (:data:`PEAK_OF`), except that a
    lower precision which ran fp32 kernels (Paddle's oneDNN bf16 on a CPU without bf16, seen as
    outputs identical to fp32's) is an fp32 run and goes against the fp32 roof."""
    return 'fp32' if ran_as_fp32 else PEAK_OF.get(precision, 'fp32')


def gemm_gflops(threads: int, dtype: torch.dtype, size: int = GEMM_SIZE, repeats: int = 10,
                budget_s: float = 3.0) -> Dict[str, float]:
    """GFLOP/s of ``size``-square matrix products at ``threads`` threads: the median and the
    best of up to ``repeats`` timed products (fewer when they exceed ``budget_s``), after one
    untimed product."""
    if threads < 1:
        raise ValueError(f'gemm_gflops: threads must be >= 1, got {threads}')
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        generator = torch.Generator().manual_seed(0)
        a = torch.randn(size, size, generator=generator).to(dtype)
        b = torch.randn(size, size, generator=generator).to(dtype)
        torch.matmul(a, b)
        times, spent = [], 0.0
        while len(times) < repeats and (spent < budget_s or len(times) < 2):
            start = time.perf_counter()
            torch.matmul(a, b)
            times.append(time.perf_counter() - start)
            spent += times[-1]
    finally:
        torch.set_num_threads(previous)
    flops = 2.0 * size ** 3
    return dict(median=flops / float(np.median(times)) / 1e9, best=flops / min(times) / 1e9,
                repeats=len(times), size=size)


def measure_roofline(threads: int) -> Dict[str, Any]:
    """fp32 and bf16 GEMM throughput (GFLOP/s) at ``threads`` threads, measured now."""
    return dict(threads=threads, gemm_gflops={
        'fp32': gemm_gflops(threads, torch.float32),
        'bf16': gemm_gflops(threads, torch.bfloat16)}, library=f'torch {torch.__version__} '
        f'matmul ({GEMM_SIZE}x{GEMM_SIZE})')


def roofline_sentence(roofline: Dict[str, Any]) -> str:
    """``'Roofline (same run, 2 threads): fp32 GEMM 140 GFLOP/s, bf16 GEMM 20 GFLOP/s.'``"""
    parts = [f"{k} GEMM {g['best']:.{0 if g['best'] >= 10 else 1}f} GFLOP/s (best of "
             f"{g['repeats']})" for k, g in roofline['gemm_gflops'].items()]
    return (f"Roofline measured in the same run ({roofline['threads']} threads, "
            f"{roofline['library']}): {', '.join(parts)}.")


def achieved(macs: float, latency_ms: float, precision: str, roofline: Optional[Dict[str, Any]],
             batch: int = 1, ran_as_fp32: bool = False) -> Dict[str, Any]:
    """A network's achieved rate: ``macs`` per image, ``batch`` images in ``latency_ms``; its
    fraction of the roof (``2 * MAC/s`` over the best GEMM FLOP/s of :func:`roof_for`'s roof)
    when a roofline is given."""
    gmacs = macs * batch / (latency_ms / 1e3) / 1e9
    out: Dict[str, Any] = dict(gmacs_per_s=gmacs)
    if roofline:
        roof = roof_for(precision, ran_as_fp32)
        peak = roofline['gemm_gflops'][roof]['best']
        out.update(fraction_of_peak=2 * gmacs / peak, peak=roof)
    return out
