"""Run-time fixes to mmengine that the training and test tools apply, and training hooks."""
from .atomic_save import apply_atomic_local_writes, atomic_write_bytes
from .ema import PeriodicResetEMAHook, ThresholdEMA

__all__ = [
    'apply_atomic_local_writes', 'atomic_write_bytes', 'PeriodicResetEMAHook', 'ThresholdEMA'
]
