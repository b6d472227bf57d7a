"""Run-time fixes to mmengine that the training and test tools apply, and training hooks."""
from .atomic_save import apply_atomic_local_writes, atomic_write_bytes
from .cpu_dist import apply_cpu_distributed_fix
from .ema import PeriodicResetEMAHook, ThresholdEMA

apply_cpu_distributed_fix()  # idempotent; changes nothing where CUDA is available

__all__ = [
    'apply_atomic_local_writes', 'apply_cpu_distributed_fix', 'atomic_write_bytes',
    'PeriodicResetEMAHook', 'ThresholdEMA'
]
