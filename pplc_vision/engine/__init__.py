"""Training-time components (mmengine's side, as ``mmdet.engine``): crash-safe checkpoints
(``atomic_save``: the one atomic file write of the package), PicoDet's EMA, BatchNorm synchronised
across CPU processes, the count of test images a model predicts something on. Inference engines
(onnxruntime, OpenVINO, ...) are :mod:`pplc_vision.deploy.engines`.

Importing this package registers hooks and models; it changes nothing in mmengine itself.
"""
from .atomic_save import atomic_write, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook, CheckpointSaveError
from .cpu_sync_bn import CPUSyncBatchNorm, convert_to_cpu_sync_bn
from .ema import PeriodicResetEMAHook, ThresholdEMA
from .prediction_count import PredictionCountHook

__all__ = [
    'AtomicCheckpointHook', 'CheckpointSaveError', 'CPUSyncBatchNorm', 'PeriodicResetEMAHook',
    'PredictionCountHook', 'ThresholdEMA', 'atomic_write', 'atomic_write_bytes',
    'convert_to_cpu_sync_bn'
]
