"""Training-time components (mmengine's side, as ``mmdet.engine``): crash-safe checkpoints
(``atomic_save``: the one atomic file write of the package), PicoDet's EMA, BatchNorm synchronised
across CPU processes, Paddle's warm-up, cosine and polynomial learning-rate phases, weight decay
chosen by regular expressions on parameter names, the count of test images a model predicts
something on. Inference engines (onnxruntime, OpenVINO, ...) are :mod:`pplc_vision.deploy.engines`.

Importing this package registers hooks and models; it changes nothing in mmengine itself.
"""
from ..registry import scope_installed
from .atomic_save import atomic_write, atomic_write_bytes
from .checkpoint_hook import AtomicCheckpointHook, CheckpointSaveError
from .cpu_sync_bn import CPUSyncBatchNorm, convert_to_cpu_sync_bn
from .lr_schedulers import CosineDecayLR, LinearWarmupLR, PolynomialDecayLR
from .prediction_count import PredictionCountHook
from .regex_optim_constructor import RegexOptimWrapperConstructor

__all__ = [
    'AtomicCheckpointHook', 'CheckpointSaveError', 'CosineDecayLR', 'CPUSyncBatchNorm',
    'LinearWarmupLR', 'PolynomialDecayLR', 'PredictionCountHook', 'RegexOptimWrapperConstructor',
    'atomic_write', 'atomic_write_bytes', 'convert_to_cpu_sync_bn'
]
if scope_installed('mmdet'):  # PicoDet's EMA lives in mmdet's registries
    from .ema import PeriodicResetEMAHook, ThresholdEMA  # noqa: F401
    __all__ += ['PeriodicResetEMAHook', 'ThresholdEMA']
