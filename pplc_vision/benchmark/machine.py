"""The machine a figure was measured on: CPU, instruction sets, library versions, threads."""
import importlib.metadata
import os
import platform
from typing import Any, Dict, Optional, Sequence

import torch

VERSIONED_PACKAGES = ('torch', 'torchvision', 'onnxruntime', 'openvino', 'paddlepaddle', 'numpy',
                      'mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmsegmentation', 'timm',
                      'pplc_vision')
_CPU_FLAGS = ('avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_bf16', 'amx_int8')


def cpu_description() -> Dict[str, Any]:
    """The CPU model, core counts and the instruction-set extensions that matter for inference."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    model = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                    break
    except OSError:
        pass
    return dict(model=model, logical_cpus=os.cpu_count(),
                usable_cpus=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')
                else os.cpu_count(),
                flags=[f for f in _CPU_FLAGS if f in flags])


def library_versions(packages: Sequence[str] = VERSIONED_PACKAGES) -> Dict[str, Optional[str]]:
    """Installed versions (``None`` where a package is absent), read without importing them."""
    versions = {'python': platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment() -> Dict[str, Any]:
    """What the result depends on besides the model: CPU, libraries, torch's thread count."""
    return dict(cpu=cpu_description(), versions=library_versions(),
                torch_threads=torch.get_num_threads())


def environment_line(env: Dict[str, Any], threads: int) -> str:
    """One line naming the CPU, the thread count and the library versions of a measurement."""
    cpu, v = env['cpu'], env['versions']
    libs = ', '.join(f'{k} {v[k]}' for k in ('torch', 'onnxruntime', 'openvino', 'paddlepaddle')
                     if v.get(k))
    return (f"Measured on {cpu['model']} ({cpu['usable_cpus']} usable CPUs; "
            f"{', '.join(cpu['flags'])}), {threads} threads, batch 1; {libs}.")
