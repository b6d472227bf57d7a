"""Models, each registered where its library builds it.

- ``backbones``: PPLCNet, PaddleMobileNetV3, TorchvisionMobileNetV3, MobileOne on one contract
  (``backbones.base``: ``out_indices``, ``out_channels``, ``frozen_stages``, ``norm_eval``, ``widen_factor``).
- ``layers``: the depthwise-separable block shared by backbone, heads and necks.
- ``heads``, ``classifiers``: classification (mmpretrain scope).
- ``decode_heads``: PaddleSeg's DeepLabV3+ head (mmseg scope).
- ``necks``, ``dense_heads``, ``losses``, ``task_modules``: PicoDet (mmdet scope); GFL decoding
  of all priors is ``dense_heads.decode_gfl_priors``, used for SimOTA and by the ONNX export.

Each task's parts are imported (and registered) only where its library is installed
(:mod:`pplc_vision.registry`); the backbones need mmcv and mmengine alone.
"""
from ..registry import scope_installed
from .backbones import *  # noqa: F401,F403

if scope_installed('mmpretrain'):
    from .heads import *  # noqa: F401,F403
    from .classifiers import DistillImageClassifier  # noqa: F401
if scope_installed('mmseg'):
    from . import decode_heads  # noqa: F401
if scope_installed('mmdet'):
    from . import dense_heads, losses, necks, task_modules  # noqa: F401
