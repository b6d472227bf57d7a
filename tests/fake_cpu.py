"""The three CPU classes the project's machines have, described as the tools read a CPU, so that
every CPU-dependent branch of the tools runs on any machine (the ``fake_cpu`` fixture).

What the tools read of a CPU: the first processor of ``/proc/cpuinfo``
(``deploy.cpu._read_cpuinfo``), the GEMM rate of each roofline backend measured in the run
(``benchmark.roofline.gemm_gflops``) and OpenVINO's CPU capabilities
(``deploy.engines.openvino.openvino_cpu_has_bf16``). A faked class replaces all three.

Flags and GEMM rates are those read off the machines (../shared/spec/ENVIRONMENT.md,
docs/benchmarks.md and the issues that measured them): AVX2-only AMD EPYC (torch fp32 GEMM
180-189 GFLOP/s, bf16 emulated at about 1); AMD EPYC Zen 4 with AVX-512, AVX512-BF16 and VNNI
(2026-12-07, issue 33: fp32 torch 212, numpy 246, OpenVINO 408, onnxruntime 480 GFLOP/s; torch
bf16 about 860, implied by that day's OpenVINO bf16 run at 45% of it); Intel Xeon with AMX
(torch fp32 305, bf16 about 1,700 GFLOP/s, 2026-12-01). Not measured, so derived and marked as
such: int8 (onnxruntime MatMulInteger) at the instruction sets' ratio to the best fp32 GEMM, 2x
on AVX2 (``vpmaddubsw``) and 4x with VNNI or AMX (``vpdpbusd``); a backend not listed runs no
GEMM in the fake (as a backend that is not installed).
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import pytest

_AVX2 = ('avx', 'fma', 'avx2')
_AVX512 = _AVX2 + ('avx512f', 'avx512bw', 'avx512_vnni', 'avx512_bf16')


@dataclass(frozen=True)
class FakeCPU:
    cpu_class: str
    model: str
    flags: Tuple[str, ...]
    gemm_backends: Dict[str, Dict[str, float]]  # precision -> roofline backend -> GFLOP/s
    openvino_bf16: bool  # OpenVINO's OPTIMIZATION_CAPABILITIES lists BF16

    @property
    def gemm_gflops(self) -> Dict[str, float]:
        """The roof per precision: the best backend's rate."""
        return {k: max(rates.values()) for k, rates in self.gemm_backends.items()}

    @property
    def native_bf16(self) -> bool:
        """bf16 arithmetic in hardware: what oneDNN (Paddle Inference) needs to run bf16."""
        return bool({'avx512_bf16', 'amx_bf16'} & set(self.flags))


CPU_CLASSES = {
    'avx2': FakeCPU('avx2', 'AMD EPYC 7B13 (fake)', _AVX2,
                    dict(fp32=dict(torch=185.0), bf16=dict(torch=1.0),
                         int8=dict(onnxruntime=2 * 185.0)), False),
    'avx512-bf16': FakeCPU('avx512-bf16', 'AMD EPYC 9B14 (fake)', _AVX512,
                           dict(fp32=dict(torch=212.0, numpy=246.0, openvino=408.0,
                                          onnxruntime=480.0),
                                bf16=dict(torch=860.0), int8=dict(onnxruntime=4 * 480.0)), True),
    'amx': FakeCPU('amx', 'Intel Xeon Processor (fake)',
                   _AVX512 + ('amx_tile', 'amx_bf16', 'amx_int8'),
                   dict(fp32=dict(torch=305.0), bf16=dict(torch=1700.0),
                        int8=dict(onnxruntime=4 * 305.0)), True),
}


def install(monkeypatch: pytest.MonkeyPatch, cpu: FakeCPU) -> FakeCPU:
    """Make the tools see ``cpu`` for the rest of the test."""
    from pplc_vision.benchmark import roofline
    from pplc_vision.deploy import cpu as machine
    from pplc_vision.deploy.engines import openvino

    cpuinfo = {'model name': cpu.model, 'flags': ' '.join(cpu.flags), 'cpu cores': '2',
               'siblings': '2', 'cpu MHz': '2450.000'}
    monkeypatch.setattr(machine, '_read_cpuinfo', lambda path='/proc/cpuinfo': dict(cpuinfo))

    def gemm_gflops(threads, precision, backend='torch', size=roofline.GEMM_SIZE, repeats=10,
                    budget_s=roofline.GEMM_BUDGET_S):
        rate = cpu.gemm_backends.get(precision, {}).get(backend)
        return None if rate is None else dict(median=0.95 * rate, best=rate, repeats=repeats,
                                              size=size)

    monkeypatch.setattr(roofline, 'gemm_gflops', gemm_gflops)
    monkeypatch.setattr(openvino, 'openvino_cpu_has_bf16', lambda: cpu.openvino_bf16)
    return cpu
