"""Inference-time simplification of eager PyTorch models: re-parameterisation and Conv+BN fusion.

``deploy_model`` is what users who stay in PyTorch call before timing or serving a model:
branches of re-parameterisable blocks (MobileOne, RepVGG: any module with a
``switch_to_deploy()`` method) are merged first, then every BatchNorm that directly follows a
convolution is folded into that convolution's weight and bias.
"""
import copy
from typing import Tuple

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from .reparam import switch_to_deploy

# Only plain BatchNorm is folded: subclasses may add behaviour (timm's BatchNormAct2d applies an
# activation inside), which folding would silently drop.
_FOLDABLE_NORMS = (nn.BatchNorm2d, nn.SyncBatchNorm)
_FOLDABLE_CONVS = (nn.Conv2d, )


def _foldable(conv: nn.Module, norm: nn.Module) -> bool:
    return (type(conv) in _FOLDABLE_CONVS and type(norm) in _FOLDABLE_NORMS
            and norm.track_running_stats and norm.running_mean is not None
            and norm.num_features == conv.out_channels)


def _fuse_conv_module(module: nn.Module) -> bool:
    """Fold the norm of an mmcv ``ConvModule`` whose order puts it right after the conv."""
    order = tuple(getattr(module, 'order', ()))
    if not getattr(module, 'with_norm', False) or order[:2] != ('conv', 'norm'):
        return False
    norm = getattr(module, module.norm_name)
    if not _foldable(module.conv, norm):
        return False
    module.conv = fuse_conv_bn_eval(module.conv, norm)
    setattr(module, module.norm_name, nn.Identity())
    return True


def _fuse_sequential(seq: nn.Sequential) -> int:
    """Fold each ``Conv2d`` immediately followed by a ``BatchNorm2d`` inside a ``Sequential``."""
    names = list(seq._modules)
    fused = 0
    for first, second in zip(names, names[1:]):
        conv, norm = seq._modules[first], seq._modules[second]
        if conv is not None and norm is not None and _foldable(conv, norm):
            seq._modules[first] = fuse_conv_bn_eval(conv, norm)
            seq._modules[second] = nn.Identity()
            fused += 1
    return fused


def reparameterize(model: nn.Module) -> int:
    """Switch re-parameterisable backbones (MobileOne) to their deploy form, in place, and log
    it; returns how many blocks were merged."""
    return sum(switched.blocks for switched in switch_to_deploy(model))


def fuse_conv_bn(model: nn.Module) -> int:
    """Fold BatchNorms into the convolutions they follow, in place; returns how many were folded.

    Handles mmcv ``ConvModule`` (order ``conv, norm, act``) and ``nn.Sequential`` chains
    (torchvision's and timm's conv blocks). The model must be in eval mode.
    """
    if model.training:
        raise ValueError('fuse_conv_bn: put the model in eval mode first (BN folding uses the '
                         'running statistics)')
    fused = 0
    for module in list(model.modules()):
        if hasattr(module, 'norm_name') and hasattr(module, 'conv'):
            fused += _fuse_conv_module(module)
        elif isinstance(module, nn.Sequential):
            fused += _fuse_sequential(module)
    return fused


def deploy_model(model: nn.Module, inplace: bool = False) -> Tuple[nn.Module, int, int]:
    """An eval-mode copy of ``model`` (or ``model`` itself) re-parameterised and BN-fused.

    Returns ``(model, reparameterized, fused)`` with the counts of switched blocks and of
    folded BatchNorms.
    """
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    with torch.no_grad():
        switched = reparameterize(model)
        fused = fuse_conv_bn(model)
    return model, switched, fused
