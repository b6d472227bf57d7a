"""The CPU this process runs on, as ``/proc/cpuinfo`` and cpufreq describe it: model, cores,
clock and the instruction sets that decide which inference kernels run.

Read by the benchmarks (:mod:`pplc_vision.benchmark.machine`, the machine a figure was
measured on) and by ``--engine auto`` (:mod:`.engines.auto`, whose cached choice is valid on
one CPU only).
"""
import os
import platform
from typing import Any, Dict, Optional, Sequence

# the instruction sets that decide which kernels fp32, bf16 and int8 inference get
CPU_FLAGS = ('avx', 'fma', 'avx2', 'avx_vnni', 'avx512f', 'avx512bw', 'avx512_vnni',
             'avx512_bf16', 'amx_tile', 'amx_bf16', 'amx_int8')
_MAX_FREQ = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'
# The CPU classes whose kernels differ for bf16 and int8 inference, newest first: AMX tiles
# (bf16 and int8), AVX-512 with native bf16 (and VNNI), AVX-512 without bf16, AVX2 only (bf16
# emulated, int8 without dot-product instructions unless AVX-VNNI).
CPU_CLASSES = ('amx', 'avx512-bf16', 'avx512', 'avx2')


def cpu_class(flags: Sequence[str]) -> str:
    """The class (:data:`CPU_CLASSES`) of a CPU with these ``/proc/cpuinfo`` flags."""
    flags = set(flags)
    if {'amx_bf16', 'amx_int8'} & flags:
        return 'amx'
    if 'avx512_bf16' in flags:
        return 'avx512-bf16'
    if 'avx512f' in flags:
        return 'avx512'
    return 'avx2'


def _read_cpuinfo(path: str = '/proc/cpuinfo') -> Dict[str, str]:
    """The fields of the first processor in ``/proc/cpuinfo`` (empty where unreadable)."""
    fields: Dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    break  # end of the first processor
                key, _, value = line.partition(':')
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return fields


def _max_freq_mhz() -> Optional[float]:
    try:
        with open(_MAX_FREQ) as f:
            return int(f.read().strip()) / 1e3  # kHz
    except (OSError, ValueError):
        return None


def cpu_description() -> Dict[str, Any]:
    """The CPU model, its cores and hardware threads, the usable CPUs, the clock (current as
    ``/proc/cpuinfo`` reports it, and the maximum where cpufreq exposes it) and the
    instruction-set extensions that matter for inference."""
    info = _read_cpuinfo()
    flags = set(info.get('flags', '').split())

    def number(key: str) -> Optional[float]:
        try:
            return float(info[key])
        except (KeyError, ValueError):
            return None

    cores, siblings = number('cpu cores'), number('siblings')
    return dict(model=info.get('model name') or platform.processor() or platform.machine(),
                logical_cpus=os.cpu_count(),
                usable_cpus=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')
                else os.cpu_count(),
                cores_per_socket=None if cores is None else int(cores),
                threads_per_core=None if not cores or siblings is None
                else int(siblings // cores),
                mhz=number('cpu MHz'), max_mhz=_max_freq_mhz(),
                flags=[f for f in CPU_FLAGS if f in flags], cpu_class=cpu_class(flags))
