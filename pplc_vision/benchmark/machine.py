"""The machine a figure was measured on: CPU, instruction sets, library versions, threads."""
import importlib.metadata
import platform
from typing import Any, Dict, Optional, Sequence

import torch

from ..deploy.cpu import CPU_CLASSES, cpu_class, cpu_description  # noqa: F401  (re-exported)
from ..deploy.cpu import CPU_FLAGS as _CPU_FLAGS
from .roofline import measure_roofline, roofline_sentence

VERSIONED_PACKAGES = ('torch', 'torchvision', 'onnxruntime', 'openvino', 'paddlepaddle', 'numpy',
                      'mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmsegmentation', 'timm',
                      'pplc_vision')


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
