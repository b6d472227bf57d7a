"""The machine's compute roof, measured in the same run as the networks it is compared with.

The roof of a precision is the best dense GEMM that any backend we ship reaches on this machine
at the thread count of the latency figures (:data:`GEMM_BACKENDS`: PyTorch's ``matmul``
(oneDNN/MKL), numpy's BLAS, an onnxruntime ``MatMul`` and an OpenVINO ``MatMul``; int8 from
onnxruntime's ``MatMulInteger``). One library is not enough: MKL takes its AVX2 path on AMD CPUs,
where onnxruntime's and OpenVINO's own kernels run a 1024-square fp32 GEMM 2x faster (issue 33).
Beside it, where the clock and the instruction sets are readable, the theoretical peak
(:func:`theoretical_peak`).

Each network's achieved MAC rate is given as a fraction of its precision's roof. A depthwise-heavy
network reaches a small fraction; a fraction above 1 means the roof was measured too low (a
loaded machine, a backend missing) and is reported as a measurement error, not as a percentage.
"""
import contextlib
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch

GEMM_SIZE = 1024  # square matrices: 2.1 GFLOP per product, well above cache effects
GEMM_BUDGET_S = 1.0  # timed seconds per backend and precision (at least 2 products)
# backend -> the precisions it multiplies in
GEMM_BACKENDS = {
    'torch': ('fp32', 'bf16'),
    'numpy': ('fp32', ),
    'onnxruntime': ('fp32', 'int8'),
    'openvino': ('fp32', 'bf16'),
}
ROOF_PRECISIONS = ('fp32', 'bf16', 'int8')
PEAK_OF = {'fp32': 'fp32', 'bf16': 'bf16', 'int8': 'int8'}
ROOF_RULE = ('each precision against its own roof (fp32, bf16, int8), a Paddle bf16 that ran '
             'fp32 kernels against the fp32 roof; a rate above the roof is a measurement error '
             'and shown as such')
# Theoretical FLOP per cycle and core by instruction set, newest first: two fused multiply-add
# pipes of the full vector width (AMX: Intel's 1024 bf16 and 2048 int8 operations per cycle).
# An upper bound: AMD Zen 4 issues 512-bit FMAs as two 256-bit halves (half the AVX-512 figure).
_FLOP_PER_CYCLE = {
    'fp32': (('avx512f', 64), ('fma', 32), ('avx', 16)),
    'bf16': (('amx_bf16', 1024), ('avx512_bf16', 128)),
    'int8': (('amx_int8', 2048), ('avx512_vnni', 256), ('avx_vnni', 128), ('avx2', 64)),
}


def roof_for(precision: str, ran_as_fp32: bool = False) -> str:
    """The roof a result is measured against: its precision's (:data:`PEAK_OF`), except that a
    lower precision which ran fp32 kernels (Paddle's oneDNN bf16 on a CPU without bf16, seen as
    outputs identical to fp32's) is an fp32 run and goes against the fp32 roof."""
    return 'fp32' if ran_as_fp32 else PEAK_OF.get(precision, 'fp32')


def _matrices(size: int) -> Tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return tuple(rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))


@contextlib.contextmanager
def _torch_product(threads: int, precision: str, size: int) -> Iterator[Callable[[], Any]]:
    dtype = torch.bfloat16 if precision == 'bf16' else torch.float32
    a, b = (torch.from_numpy(m).to(dtype) for m in _matrices(size))
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield lambda: torch.matmul(a, b)
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def _numpy_product(threads: int, precision: str,
                   size: int) -> Iterator[Optional[Callable[[], Any]]]:
    try:  # optional (the [deploy] extra): numpy's BLAS threads
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield None
        return
    a, b = _matrices(size)
    with threadpool_limits(threads, user_api='blas'):
        yield lambda: a @ b


@contextlib.contextmanager
def _onnxruntime_product(threads: int, precision: str,
                         size: int) -> Iterator[Optional[Callable[[], Any]]]:
    try:  # optional dependencies (the [deploy] extra)
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper  # optional, as onnxruntime
    except ImportError:
        yield None
        return
    rng = np.random.default_rng(0)
    if precision == 'int8':  # u8 activations x s8 weights, as onnxruntime's int8 convolutions
        op, a_type, out_type = 'MatMulInteger', TensorProto.UINT8, TensorProto.INT32
        a = rng.integers(0, 256, (size, size), dtype=np.uint8)
        b = rng.integers(-127, 128, (size, size), dtype=np.int8)
    else:
        op, a_type, out_type = 'MatMul', TensorProto.FLOAT, TensorProto.FLOAT
        a, b = _matrices(size)
    graph = helper.make_graph(  # the weights as an initializer: pre-packed, as in a network
        [helper.make_node(op, ['a', 'b'], ['y'])], 'gemm',
        [helper.make_tensor_value_info('a', a_type, [size, size])],
        [helper.make_tensor_value_info('y', out_type, [size, size])],
        [numpy_helper.from_array(b, 'b')])
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(
        helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)]).SerializeToString(),
        options, providers=['CPUExecutionProvider'])
    yield lambda: session.run(None, {'a': a})


@contextlib.contextmanager
def _openvino_product(threads: int, precision: str,
                      size: int) -> Iterator[Optional[Callable[[], Any]]]:
    try:  # optional dependency (the [deploy] extra)
        import openvino as ov
        from openvino import opset13 as ops  # optional, as openvino
    except ImportError:
        yield None
        return
    a, b = _matrices(size)
    hint = 'bf16' if precision == 'bf16' else 'f32'
    param = ops.parameter([size, size], ov.Type.f32)
    compiled = ov.Core().compile_model(
        ov.Model([ops.matmul(param, ops.constant(b), False, False)], [param]), 'CPU',
        {'INFERENCE_PRECISION_HINT': hint, 'PERFORMANCE_HINT': 'LATENCY',
         'INFERENCE_NUM_THREADS': threads})
    if ('bfloat16' if hint == 'bf16' else 'float32') not in str(
            compiled.get_property('INFERENCE_PRECISION_HINT')):
        yield None  # this CPU cannot run the precision (bf16 without AVX512-BF16 or AMX)
        return
    request = compiled.create_infer_request()
    yield lambda: request.infer({0: a})


_PRODUCTS = {'torch': _torch_product, 'numpy': _numpy_product,
             'onnxruntime': _onnxruntime_product, 'openvino': _openvino_product}


def gemm_gflops(threads: int, precision: str, backend: str = 'torch', size: int = GEMM_SIZE,
                repeats: int = 10, budget_s: float = GEMM_BUDGET_S) -> Optional[Dict[str, float]]:
    """GFLOP/s (int8: GOP/s) of ``size``-square matrix products by ``backend`` at ``threads``
    threads: the median and the best of up to ``repeats`` timed products (fewer when they exceed
    ``budget_s``), after one untimed product. None where the backend is not installed or does
    not run ``precision`` on this CPU."""
    if threads < 1:
        raise ValueError(f'gemm_gflops: threads must be >= 1, got {threads}')
    if precision not in GEMM_BACKENDS.get(backend, ()):
        raise ValueError(f'gemm_gflops: backend {backend!r} does not multiply in {precision!r}: '
                         f'backends and precisions are {GEMM_BACKENDS}')
    with _PRODUCTS[backend](threads, precision, size) as product:
        if product is None:
            return None
        product()
        times: List[float] = []
        spent = 0.0
        while len(times) < repeats and (spent < budget_s or len(times) < 2):
            start = time.perf_counter()
            product()
            times.append(time.perf_counter() - start)
            spent += times[-1]
    flops = 2.0 * size ** 3
    return dict(median=flops / float(np.median(times)) / 1e9, best=flops / min(times) / 1e9,
                repeats=len(times), size=size)


def theoretical_peak(cpu: Optional[Dict[str, Any]], threads: int) -> Dict[str, Any]:
    """GFLOP/s per precision that ``threads`` threads could reach at most: the physical cores
    they occupy x the clock (the maximum where cpufreq exposes it, else the reported one) x the
    FLOP per cycle of the best instruction set (:data:`_FLOP_PER_CYCLE`); empty where the
    clock is unreadable, a precision absent where the CPU has no instructions for it."""
    if not cpu:
        return {}
    mhz = cpu.get('max_mhz') or cpu.get('mhz')
    if not mhz:
        return {}
    flags = set(cpu.get('flags', ()))
    usable = cpu.get('usable_cpus') or threads
    cores = min(threads, max(1, usable // (cpu.get('threads_per_core') or 1)))
    out: Dict[str, Any] = dict(cores=cores, mhz=mhz,
                               clock='max' if cpu.get('max_mhz') else 'reported')
    for precision, table in _FLOP_PER_CYCLE.items():
        per_cycle = next((n for flag, n in table if flag in flags), None)
        if per_cycle:
            out[precision] = dict(gflops=cores * mhz * 1e-3 * per_cycle,
                                  isa=next(f for f, n in table if f in flags))
    return out


def measure_roofline(threads: int, cpu: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The GEMM roof per precision at ``threads`` threads, measured now: each backend of
    :data:`GEMM_BACKENDS` that runs the precision here, the best of them as the roof (its
    ``backend`` and every backend's best in ``backends``); the theoretical peak of ``cpu``
    (:func:`theoretical_peak`) beside it."""
    gemm: Dict[str, Any] = {}
    for precision in ROOF_PRECISIONS:
        rates = {}
        for backend, precisions in GEMM_BACKENDS.items():
            rate = gemm_gflops(threads, precision, backend) if precision in precisions else None
            if rate is not None:
                rates[backend] = rate
        if rates:
            best = max(rates, key=lambda b: rates[b]['best'])
            gemm[precision] = dict(rates[best], backend=best,
                                   backends={b: r['best'] for b, r in rates.items()})
    return dict(threads=threads, gemm_gflops=gemm, peak_gflops=theoretical_peak(cpu, threads),
                library=f'best of {", ".join(GEMM_BACKENDS)} ({GEMM_SIZE}x{GEMM_SIZE}, '
                f'int8: onnxruntime MatMulInteger)')


def _gflops(value: float) -> str:
    return f"{value:,.{0 if value >= 10 else 1}f}"


def roofline_sentence(roofline: Dict[str, Any]) -> str:
    """``'Roofline measured in the same run (2 threads, ...): fp32 GEMM 480 GFLOP/s
    (onnxruntime; torch 212, numpy 246, ...), ...; theoretical peak fp32 ...'``."""
    parts = []
    for k, g in roofline['gemm_gflops'].items():
        text = f"{k} GEMM {_gflops(g['best'])} G{'OP' if k == 'int8' else 'FLOP'}/s"
        others = {b: v for b, v in g.get('backends', {}).items() if b != g.get('backend')}
        if g.get('backend'):
            text += f" ({g['backend']}, best of {g['repeats']}" + (
                '; ' + ', '.join(f'{b} {_gflops(v)}' for b, v in others.items())
                if others else '') + ')'
        else:
            text += f" (best of {g['repeats']})"
        parts.append(text)
    sentence = (f"Roofline measured in the same run ({roofline['threads']} threads, "
                f"{roofline['library']}): {', '.join(parts)}.")
    peak = roofline.get('peak_gflops') or {}
    peaks = [f"{k} {_gflops(peak[k]['gflops'])} ({peak[k]['isa']})" for k in ROOF_PRECISIONS
             if k in peak]
    if peaks:
        sentence += (f" Theoretical peak ({peak['cores']} cores x {peak['mhz']:.0f} MHz "
                     f"{peak['clock']} clock, two full-width FMA pipes assumed): "
                     f"{', '.join(peaks)} G(FL)OP/s.")
    return sentence


def achieved(macs: float, latency_ms: float, precision: str, roofline: Optional[Dict[str, Any]],
             batch: int = 1, ran_as_fp32: bool = False) -> Dict[str, Any]:
    """A network's achieved rate: ``macs`` per image, ``batch`` images in ``latency_ms``; with a
    roofline, its fraction of the roof (``2 * MAC/s`` over the best GEMM rate of
    :func:`roof_for`'s roof; none where that precision has no roof measured) and ``above_roof``
    where the fraction exceeds 1 (a measurement error)."""
    gmacs = macs * batch / (latency_ms / 1e3) / 1e9
    out: Dict[str, Any] = dict(gmacs_per_s=gmacs)
    roof = roof_for(precision, ran_as_fp32)
    if roofline and roof in roofline['gemm_gflops']:
        peak = roofline['gemm_gflops'][roof]['best']
        fraction = 2 * gmacs / peak
        out.update(fraction_of_peak=fraction, peak=roof, above_roof=fraction > 1)
    return out


def rate_text(rate: Dict[str, Any], digits: int = 0) -> str:
    """An achieved rate as printed: ``'61.3 (57%)'``, ``'61.3 (above the roof: measurement
    error)'``, or just the GMAC/s without a roof."""
    text = f"{rate['gmacs_per_s']:.1f}"
    if rate.get('above_roof'):
        return text + f" (above the {rate['peak']} roof: measurement error)"
    if 'fraction_of_peak' in rate:
        return text + f" ({100 * rate['fraction_of_peak']:.{digits}f}%)"
    return text
