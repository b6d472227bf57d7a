"""The machine a figure was measured on: CPU, instruction sets, library versions, threads."""
import importlib.metadata
import os
import platform
from typing import Any, Dict, Optional, Sequence

import torch

from .roofline import measure_roofline, roofline_sentence

VERSIONED_PACKAGES = ('torch', 'torchvision', 'onnxruntime', 'openvino', 'paddlepaddle', 'numpy',
                      'mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmsegmentation', 'timm',
                      'pplc_vision')
# the instruction sets that decide which kernels fp32, bf16 and int8 inference get
_CPU_FLAGS = ('avx', 'fma', 'avx2', 'avx_vnni', 'avx512f', 'avx512bw', 'avx512_vnni',
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
                flags=[f for f in _CPU_FLAGS if f in flags], cpu_class=cpu_class(flags))


def library_versions(packages: Sequence[str] = VERSIONED_PACKAGES) -> Dict[str, Optional[str]]:
    """Installed versions (``None`` where a package is absent), read without importing them."""
    versions = {'python': platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment(roofline_threads: Optional[int] = None) -> Dict[str, Any]:
    """What the result depends on besides the model: CPU, libraries, torch's thread count; with
    ``roofline_threads`` also the machine's GEMM roof measured now at that thread count, with
    the CPU's theoretical peak (:func:`~.roofline.measure_roofline`)."""
    env = dict(cpu=cpu_description(), versions=library_versions(),
               torch_threads=torch.get_num_threads())
    if roofline_threads is not None:
        env['roofline'] = measure_roofline(roofline_threads, env['cpu'])
    return env


def cpu_line(cpu: Dict[str, Any]) -> str:
    """``'AMD EPYC, 2 usable CPUs (2 cores x 1 thread), 2445 MHz; avx, fma, avx2'``."""
    text = f"{cpu['model']}, {cpu['usable_cpus']} usable CPUs"
    if cpu.get('cores_per_socket') and cpu.get('threads_per_core'):
        text += (f" ({cpu['cores_per_socket']} cores x {cpu['threads_per_core']} "
                 f"thread{'s' if cpu['threads_per_core'] > 1 else ''} per socket)")
    clocks = [f"{cpu['mhz']:.0f} MHz now" if cpu.get('mhz') else '',
              f"{cpu['max_mhz']:.0f} MHz max" if cpu.get('max_mhz') else '']
    if any(clocks):
        text += ', ' + ', '.join(c for c in clocks if c)
    text += f"; ISA: {', '.join(cpu['flags']) or 'none of ' + ', '.join(_CPU_FLAGS)}"
    return text + (f" (class {cpu['cpu_class']})" if cpu.get('cpu_class') else '')


def environment_line(env: Dict[str, Any], threads: int, batch: int = 1) -> str:
    """One line naming the CPU, the thread count and the library versions of a measurement,
    and the same run's GEMM roofline when ``env`` carries one (see :mod:`.roofline`)."""
    v = env['versions']
    libs = ', '.join(f'{k} {v[k]}' for k in ('torch', 'onnxruntime', 'openvino', 'paddlepaddle')
                     if v.get(k))
    line = (f"Measured on {cpu_line(env['cpu'])}; {threads} threads, batch {batch}; {libs}.")
    roofline = env.get('roofline')
    if roofline:
        line += ' ' + roofline_sentence(roofline)
    return line
