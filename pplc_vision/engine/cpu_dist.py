"""CPU-only DDP for mmengine's ``pytorch`` launcher.

mmengine 0.10.7's ``_init_dist_pytorch`` always calls ``torch.cuda.set_device``, so
``--launcher pytorch`` fails on a machine without CUDA whatever ``dist_cfg.backend`` says.
:func:`apply_cpu_distributed_fix` wraps it: without CUDA it skips ``set_device`` and uses gloo
(``nccl``, mmengine's default, needs GPUs); with CUDA nothing changes.
"""
import torch
import torch.distributed as torch_dist
from mmengine.dist import utils as dist_utils

_ORIGINAL = dist_utils._init_dist_pytorch


def _init_dist_pytorch(backend: str = 'nccl', init_backend: str = 'torch', **kwargs) -> None:
    if torch.cuda.is_available() or init_backend != 'torch':
        return _ORIGINAL(backend, init_backend=init_backend, **kwargs)
    torch_dist.init_process_group(backend='gloo' if backend == 'nccl' else backend, **kwargs)


def apply_cpu_distributed_fix() -> None:
    """Let mmengine's ``pytorch`` launcher start a gloo process group on CPU-only machines."""
    dist_utils._init_dist_pytorch = _init_dist_pytorch
