"""Training-time components: crash-safe checkpoints, PicoDet's EMA, BatchNorm synchronised
across CPU processes.

Importing this package registers hooks and models; it changes nothing in mmengine itself.
"""
from .atomic_save import atomic_write, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook, CheckpointSaveError
from .cpu_sync_bn import CPUSyncBatchNorm, convert_to_cpu_sync_bn
from .ema import PeriodicResetEMAHook, ThresholdEMA

__all__ = [
    'AtomicCheckpointHook', 'CheckpointSaveError', 'CPUSyncBatchNorm', 'PeriodicResetEMAHook',
    'ThresholdEMA', 'atomic_write', 'atomic_write_bytes', 'convert_to_cpu_sync_bn'
]
