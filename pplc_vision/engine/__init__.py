"""Training-time components registered with mmengine: crash-safe checkpoints, PicoDet's EMA.

Importing this package registers hooks and models; it changes nothing in mmengine itself.
"""
from .atomic_save import atomic_write, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook, CheckpointSaveError
from .ema import PeriodicResetEMAHook, ThresholdEMA

__all__ = [
    'AtomicCheckpointHook', 'CheckpointSaveError', 'PeriodicResetEMAHook', 'ThresholdEMA',
    'atomic_write', 'atomic_write_bytes'
]
