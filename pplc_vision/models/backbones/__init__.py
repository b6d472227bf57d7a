"""Backbones, registered in every scope (MobileOne: mmdet and mmseg; mmpretrain has its own).

All keep one contract (:mod:`.base`, :class:`StagedBackboneMixin`): a stem, then stages with
output strides ``stage_strides``; ``out_indices`` picks stages (outputs in stage order),
``out_channels[k]`` is stage ``k``'s width, ``frozen_stages=k`` freezes the stem and the first
``k`` stages, ``norm_eval`` keeps BN in eval mode, ``train()`` returns the module, and the width
multiplier is ``widen_factor`` (``PPLCNet(scale=...)`` is a deprecated alias).
"""
from ...registry import mark_unavailable, scope_installed
from .base import StagedBackboneMixin, resolve_widen_factor
from .mobilenet_v3 import TorchvisionMobileNetV3
from .paddle_mobilenet_v3 import PaddleMobileNetV3
from .pplcnet import PPLCNet

__all__ = ['PPLCNet', 'PaddleMobileNetV3', 'StagedBackboneMixin', 'TorchvisionMobileNetV3',
           'resolve_widen_factor']

if scope_installed('mmpretrain'):  # MobileOne is mmpretrain's network
    from .mobileone import MobileOne, mobileone_out_channels
    __all__ += ['MobileOne', 'mobileone_out_channels']
else:
    mark_unavailable('mmpretrain', 'MobileOne')
