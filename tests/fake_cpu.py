"""The three CPU classes the project's machines have, described as the tools read a CPU, so that
every CPU-dependent branch of the tools runs on any machine (the ``fake_cpu`` fixture).

What the tools read of a CPU: the first processor of ``/proc/cpuinfo``
(``benchmark.machine._read_cpuinfo``), the GEMM roof measured in the run
(``benchmark.roofline.gemm_gflops``) and OpenVINO's CPU capabilities
(``deploy.engines.openvino.openvino_cpu_has_bf16``). A faked class replaces all three.

Flags and roofs are those read off the machines (../shared/spec/ENVIRONMENT.md, docs/benchmarks.md
and the issues that measured them): AVX2-only AMD EPYC (fp32 GEMM 180-189 GFLOP/s, bf16 emulated
at about 1); AMD EPYC Zen 4 with AVX-512, AVX512-BF16 and VNNI (torch fp32 GEMM 212 GFLOP/s,
2026-12-07; bf16 about 860, implied by that day's OpenVINO bf16 run at 45% of it); Intel Xeon
with AMX (fp32 305, bf16 about 1,700 GFLOP/s, 2026-12-01).
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
    gemm_gflops: Dict[str, float]  # the roof per precision ('fp32', 'bf16')
    openvino_bf16: bool  # OpenVINO's OPTIMIZATION_CAPABILITIES lists BF16

    @property
    def native_bf16(self) -> bool:
        """bf16 arithmetic in hardware: what oneDNN (Paddle Inference) needs to run bf16."""
        return bool({'avx512_bf16', 'amx_bf16'} & set(self.flags))


CPU_CLASSES = {
    'avx2': FakeCPU('avx2', 'AMD EPYC 7B13 (fake)', _AVX2, dict(fp32=185.0, bf16=1.0), False),
    'avx512-bf16': FakeCPU('avx512-bf16', 'AMD EPYC 9B14 (fake)', _AVX512,
                           dict(fp32=212.0, bf16=860.0), True),
    'amx': FakeCPU('amx', 'Intel Xeon Processor (fake)',
                   _AVX512 + ('amx_tile', 'amx_bf16', 'amx_int8'),
                   dict(fp32=305.0, bf16=1700.0), True),
}


def install(monkeypatch: pytest.MonkeyPatch, cpu: FakeCPU) -> FakeCPU:
    """Make the tools see ``cpu`` for the rest of the test."""
    import torch
    from pplc_vision.benchmark import machine, roofline
    from pplc_vision.deploy.engines import openvino

    cpuinfo = {'model name': cpu.model, 'flags': ' '.join(cpu.flags), 'cpu cores': '2',
               'siblings': '2', 'cpu MHz': '2450.000'}
    monkeypatch.setattr(machine, '_read_cpuinfo', lambda path='/proc/cpuinfo': dict(cpuinfo))

    def gemm_gflops(threads, dtype, size=roofline.GEMM_SIZE, repeats=10, budget_s=3.0):
        rate = cpu.gemm_gflops['bf16' if dtype == torch.bfloat16 else 'fp32']
        return dict(median=0.95 * rate, best=rate, repeats=repeats, size=size)

    monkeypatch.setattr(roofline, 'gemm_gflops', gemm_gflops)
    monkeypatch.setattr(openvino, 'openvino_cpu_has_bf16', lambda: cpu.openvino_bf16)
    return cpu
