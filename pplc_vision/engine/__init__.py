"""Training-time components (mmengine's side, as ``mmdet.engine``): crash-safe checkpoints
(``atomic_save``: the one atomic file write of the package), PicoDet's EMA, BatchNorm synchronised
across CPU processes. Inference engines (onnxruntime, OpenVINO, ...) are
:mod:`pplc_vision.deploy.engines`.

Importing this package registers hooks and models; it changes nothing in mmengine itself.
"""
from .atomic_save import atomic_write, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook, CheckpointSaveError
from ..registry import scope_installed
from .cpu_sync_bn import CPUSyncBatchNorm, convert_to_cpu_sync_bn

__all__ = [
    'AtomicCheckpointHook', 'CheckpointSaveError', 'CPUSyncBatchNorm', 'atomic_write',
    'atomic_write_bytes', 'convert_to_cpu_sync_bn'
]
if scope_installed('mmdet'):  # PicoDet's EMA lives in mmdet's registries
    from .ema import PeriodicResetEMAHook, ThresholdEMA  # noqa: F401
    __all__ += ['PeriodicResetEMAHook', 'ThresholdEMA']
