"""The tools' CPU-dependent branches on each of the three CPU classes, on any machine.

``fake_cpu`` (tests/fake_cpu.py) makes the tools see an AVX2-only AMD EPYC, an AVX-512 + bf16 +
VNNI AMD EPYC or an AMX Intel Xeon: their ``/proc/cpuinfo`` flags, GEMM roofs and OpenVINO
capabilities. Each test states what the tools must do on each class (``EXPECTED``); the real
machine's own branch is also run by the hardware-dependent tests (test_engines.py,
test_latency_tool.py, test_tables.py).
"""
import re

import numpy as np
import pytest
import torch
from torch import nn

from pplc_vision.benchmark import machine, model_latency, paddle_race, roofline
from pplc_vision.benchmark.markdown import render_paddle
from pplc_vision.benchmark.timing import race, race_result
from pplc_vision.deploy.engines import OpenVINOEngine, PyTorchEngine, build_engine

# What the tools must do on each class: Paddle's oneDNN bf16 runs bf16 kernels only where the
# CPU has bf16 arithmetic (elsewhere it silently runs fp32: outputs identical to fp32's, timed
# and reported as fp32); OpenVINO offers bf16 only where its CPU plugin lists BF16.
EXPECTED = {
    'avx2': dict(paddle_bf16_ran_fp32=True, openvino_bf16=False),
    'avx512-bf16': dict(paddle_bf16_ran_fp32=False, openvino_bf16=True),
    'amx': dict(paddle_bf16_ran_fp32=False, openvino_bf16=True),
}


def expected_roof(precision: str, ran_as_fp32: bool) -> str:
    """The rule the tools state: each precision against its own roof, except a bf16 that ran
    fp32 kernels, which goes against the fp32 roof."""
    return 'fp32' if ran_as_fp32 else precision


def test_every_class_has_an_expectation():
    from fake_cpu import CPU_CLASSES
    assert set(EXPECTED) == set(CPU_CLASSES) == set(machine.CPU_CLASSES) - {'avx512'}


def test_machine_description_and_roof(fake_cpu):
    env = machine.environment(roofline_threads=2)
    cpu, gemm = env['cpu'], env['roofline']['gemm_gflops']
    assert cpu['cpu_class'] == machine.cpu_class(fake_cpu.flags) == fake_cpu.cpu_class
    assert cpu['model'] == fake_cpu.model
    assert cpu['flags'] == [f for f in machine._CPU_FLAGS if f in fake_cpu.flags]
    assert {k: g['best'] for k, g in gemm.items()} == fake_cpu.gemm_gflops
    for precision, rates in fake_cpu.gemm_backends.items():  # the fastest backend is the roof
        assert gemm[precision]['backend'] == max(rates, key=rates.get)
        assert gemm[precision]['backends'] == rates
    line = machine.environment_line(env, 2)
    assert f"ISA: {', '.join(cpu['flags'])} (class {fake_cpu.cpu_class})" in line
    assert f"fp32 GEMM {fake_cpu.gemm_gflops['fp32']:.0f} GFLOP/s" in line
    bf16 = re.search(r'bf16 GEMM ([0-9.,]+) GFLOP/s', line)
    assert bf16 and float(bf16.group(1).replace(',', '')) == fake_cpu.gemm_gflops['bf16']
    for precision in ('fp32', 'bf16', 'int8'):
        for ran_as_fp32 in (False, True):
            roof = expected_roof(precision, ran_as_fp32)
            rate = roofline.achieved(1e9, 10.0, precision, env['roofline'], batch=2,
                                     ran_as_fp32=ran_as_fp32)
            assert rate['peak'] == roof, (precision, ran_as_fp32)
            assert rate['fraction_of_peak'] == pytest.approx(400.0 / gemm[roof]['best'])
            assert rate['above_roof'] == (400.0 > gemm[roof]['best'])


def test_openvino_bf16_only_where_the_cpu_has_it(fake_cpu):
    """bf16 is refused in one line before anything is exported where OpenVINO lacks it."""
    if EXPECTED[fake_cpu.cpu_class]['openvino_bf16']:
        OpenVINOEngine.check_precision('bf16')
    else:
        with pytest.raises(ValueError, match='this CPU has no bf16 support'):
            build_engine(nn.Conv2d(3, 4, 1), torch.zeros(1, 3, 8, 8), 'openvino', 'bf16')
    OpenVINOEngine.check_precision('fp32')
    OpenVINOEngine.check_precision('int8')


class _TinyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x).relu().mean((2, 3)))


def _emulated_paddle(cpu, network: nn.Module):
    """Paddle Inference + oneDNN as it behaves on ``cpu``: bf16 kernels (outputs through bf16)
    where the CPU has bf16 arithmetic, fp32 kernels without a word elsewhere."""

    class EmulatedPaddleEngine:
        def __init__(self, layer, example_shape, workdir, precision, threads,
                     deleted_passes=()) -> None:
            self.precision, self.threads = precision, threads
            self.bf16 = precision == 'bf16' and cpu.native_bf16

        def __call__(self, inputs: np.ndarray):
            with torch.no_grad(), torch.autocast('cpu', torch.bfloat16, enabled=self.bf16):
                out = network(torch.from_numpy(inputs)).float()
            return (out.numpy(), )

        def info(self):
            return dict(engine='paddle', precision=self.precision, threads=self.threads)

    return EmulatedPaddleEngine


def test_paddle_comparison_on_each_class(fake_cpu, monkeypatch, tmp_path):
    """The Paddle comparison's CPU-dependent decisions end to end (contenders, race, roof,
    same-precision speed-ups, markdown): Paddle's bf16 detected as fp32 and measured against
    the fp32 roof where it ran fp32, against the bf16 roof where it ran bf16; OpenVINO bf16 run
    or skipped with the reason."""
    expected = EXPECTED[fake_cpu.cpu_class]
    network = _TinyNet().eval()
    monkeypatch.setattr(paddle_race, 'PaddleInferenceEngine', _emulated_paddle(fake_cpu, network))
    real_build = model_latency.build_engine

    def build(module, example, engine='pytorch', precision='fp32', threads=None, **kwargs):
        if (engine, precision) != ('openvino', 'bf16'):
            return real_build(module, example, engine, precision, threads, **kwargs)
        OpenVINOEngine.check_precision(precision)  # the real check
        # this machine may have no bf16 OpenVINO kernels: PyTorch's bf16 stands in for them
        stand_in = PyTorchEngine(module, 'bf16', threads)
        stand_in.info = lambda: dict(engine='openvino', precision='bf16', threads=threads)
        return stand_in

    monkeypatch.setattr(model_latency, 'build_engine', build)
    env = machine.environment(roofline_threads=2)
    images = np.random.RandomState(0).randn(4, 3, 8, 8).astype(np.float32)
    reference = [network(torch.from_numpy(images)).detach().numpy()]
    contenders, skipped = paddle_race.paddle_contenders(
        None, (1, 3, 8, 8), images, reference, str(tmp_path), ('fp32', 'bf16', 'int8'), 2)
    specs = [('pytorch', 'fp32'), ('pytorch', 'bf16'), ('openvino', 'bf16')]
    contenders += paddle_race.our_contenders(network, images, specs, 2, skipped,
                                             log=lambda _: None)
    race(contenders, 1, 2, 0, 2, 0.0)
    results = {c.key: race_result(c) for c in contenders}
    macs = 1e6
    paddle_race.add_achieved(results, macs, env['roofline'])

    paddle_bf16 = results['paddle_inference:bf16']
    assert paddle_bf16['identical_to_reference'] == expected['paddle_bf16_ran_fp32']
    assert ('openvino:bf16' in results) == expected['openvino_bf16']
    if not expected['openvino_bf16']:
        assert 'this CPU has no bf16 support' in skipped['openvino:bf16']
    gemm = env['roofline']['gemm_gflops']
    for key, r in results.items():
        roof = expected_roof(r['precision'], r.get('identical_to_reference', False))
        gmacs = macs / (r['latency_ms']['median'] / 1e3) / 1e9
        assert r['achieved']['peak'] == roof, key
        assert r['achieved']['fraction_of_peak'] == pytest.approx(2 * gmacs / gemm[roof]['best'])
    speedups = paddle_race.same_precision_speedups(results, skipped)
    assert speedups['pytorch:bf16']['baseline_ran_as_fp32'] == expected['paddle_bf16_ran_fp32']
    text = render_paddle(dict(
        scale=1.0, threads=2, rounds=2, warmup=0, iters=2, settle_s=0.0, macs=macs,
        results=results, skipped=skipped, speedup_vs_paddle=speedups,
        fused_over_unfused_speedup=1.0, environment=env, command='(test)'))
    ran_fp32_note = 'runs without complaint on this CPU but gives bit-identical outputs'
    assert (ran_fp32_note in text) == expected['paddle_bf16_ran_fp32']
    assert ('vs Paddle bf16 (ran fp32)' in text) == expected['paddle_bf16_ran_fp32']
    assert f'(class {fake_cpu.cpu_class})' in text
