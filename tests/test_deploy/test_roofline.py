"""The GEMM roof: the fastest of the backends we ship per precision, the theoretical peak beside
it, and a network measured above the roof reported as a measurement error (issue 33)."""
import pytest

from pplc_vision.benchmark import machine, roofline
from pplc_vision.benchmark.report import format_result
from pplc_vision.deploy.engines.openvino import openvino_cpu_has_bf16

# GFLOP/s per backend; None: the backend does not run (not installed, or not this precision)
FAKE_RATES = {('fp32', 'torch'): 10.0, ('fp32', 'numpy'): 30.0, ('fp32', 'onnxruntime'): 20.0,
              ('fp32', 'openvino'): None, ('bf16', 'torch'): 5.0, ('bf16', 'openvino'): 40.0,
              ('int8', 'onnxruntime'): None}


@pytest.fixture
def fake_backends(monkeypatch):
    calls = []

    def gemm_gflops(threads, precision, backend='torch', **kwargs):
        calls.append((threads, precision, backend))
        rate = FAKE_RATES[precision, backend]
        return None if rate is None else dict(median=rate / 2, best=rate, repeats=3, size=8)

    monkeypatch.setattr(roofline, 'gemm_gflops', gemm_gflops)
    return calls


def test_the_roof_is_the_fastest_backend(fake_backends):
    roof = roofline.measure_roofline(2)
    assert sorted(fake_backends) == sorted((2, p, b) for p, b in FAKE_RATES)  # every backend
    fp32, bf16 = roof['gemm_gflops']['fp32'], roof['gemm_gflops']['bf16']
    assert (fp32['backend'], fp32['best'], fp32['median']) == ('numpy', 30.0, 15.0)
    assert fp32['backends'] == dict(torch=10.0, numpy=30.0, onnxruntime=20.0)  # openvino absent
    assert (bf16['backend'], bf16['best']) == ('openvino', 40.0)
    assert 'int8' not in roof['gemm_gflops']  # no backend ran int8: no int8 roof
    sentence = roofline.roofline_sentence(roof)
    assert 'fp32 GEMM 30 GFLOP/s (numpy, best of 3; torch 10, onnxruntime 20)' in sentence
    assert 'bf16 GEMM 40 GFLOP/s (openvino, best of 3; torch 5.0)' in sentence
    # a precision without a roof gets no fraction, not the fp32 roof's
    assert set(roofline.achieved(1e9, 1e3, 'int8', roof)) == {'gmacs_per_s'}


def test_a_rate_above_the_roof_is_a_measurement_error(fake_backends):
    roof = roofline.measure_roofline(2)  # fp32 roof 30 GFLOP/s
    below = roofline.achieved(1e7, 1.0, 'fp32', roof)  # 10 GMAC/s = 20 GFLOP/s
    above = roofline.achieved(2e7, 1.0, 'fp32', roof)  # 40 GFLOP/s
    assert below['fraction_of_peak'] == pytest.approx(2 / 3) and not below['above_roof']
    assert above['fraction_of_peak'] == pytest.approx(4 / 3) and above['above_roof']
    assert roofline.rate_text(below) == '10.0 (67%)'
    assert roofline.rate_text(above) == '20.0 (above the fp32 roof: measurement error)'
    # the latency tool's lines: a percentage below the roof, the error above it
    env = dict(cpu=machine.cpu_description(), roofline=roof)
    ms = dict(median=1.0, p90=1.0, p99=1.0, min=1.0, max=1.0, iters=3)
    parts = [dict(part='network', engine='onnxruntime', precision='fp32', batch=1,
                  latency_ms=ms, achieved=rate) for rate in (below, above)]
    below_line, above_line = format_result(dict(
        config='c.py', task='classification', weights='w.pth', environment=env, threads=2,
        results=parts)).splitlines()[-2:]
    assert '10.0 (66.7%) GMAC/s of the fp32 GEMM roof' in below_line
    assert 'measurement error' in above_line and '%' not in above_line


def test_theoretical_peak_from_clock_and_isa():
    amx = dict(flags=['avx', 'fma', 'avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_bf16',
                      'amx_int8'], mhz=2000.0, max_mhz=None, usable_cpus=4, threads_per_core=2)
    peak = roofline.theoretical_peak(amx, 4)  # 4 hardware threads on 2 cores
    assert (peak['cores'], peak['clock']) == (2, 'reported')
    assert peak['fp32'] == dict(gflops=2 * 2.0 * 64, isa='avx512f')
    assert peak['bf16'] == dict(gflops=2 * 2.0 * 1024, isa='amx_bf16')
    assert peak['int8'] == dict(gflops=2 * 2.0 * 2048, isa='amx_int8')
    avx2 = dict(flags=['avx', 'fma', 'avx2'], mhz=2445.0, max_mhz=3500.0, usable_cpus=2,
                threads_per_core=1)
    peak = roofline.theoretical_peak(avx2, 1)
    assert (peak['cores'], peak['mhz'], peak['clock']) == (1, 3500.0, 'max')
    assert peak['fp32']['gflops'] == pytest.approx(3.5 * 32) and 'bf16' not in peak
    assert roofline.theoretical_peak(dict(avx2, mhz=None, max_mhz=None), 1) == {}
    sentence = roofline.roofline_sentence(dict(threads=1, library='x', gemm_gflops={},
                                               peak_gflops=peak))
    assert 'Theoretical peak (1 cores x 3500 MHz max clock' in sentence
    assert 'fp32 112 (fma), int8 224 (avx2)' in sentence


def test_every_shipped_backend_multiplies():
    """The real backends on tiny matrices: each runs its precisions (OpenVINO bf16 only where
    this CPU has bf16), and a precision a backend lacks is refused in one line."""
    for backend, precisions in roofline.GEMM_BACKENDS.items():
        for precision in precisions:
            rate = roofline.gemm_gflops(1, precision, backend, size=64, repeats=2, budget_s=0.01)
            if (backend, precision) == ('openvino', 'bf16') and not openvino_cpu_has_bf16():
                assert rate is None
                continue
            assert rate is not None and rate['best'] >= rate['median'] > 0, (backend, precision)
            assert rate['repeats'] == 2 and rate['size'] == 64
    with pytest.raises(ValueError, match="backend 'numpy' does not multiply in 'bf16'"):
        roofline.gemm_gflops(1, 'bf16', 'numpy')
