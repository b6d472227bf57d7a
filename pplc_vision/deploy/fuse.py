"""Inference-time simplification of eager PyTorch models: re-parameterisation and Conv+BN fusion.

``deploy_model`` is what users who stay in PyTorch call before timing or serving a model:
branches of re-parameterisable blocks (MobileOne, RepVGG: any module with a
``switch_to_deploy()`` method) are merged first, then every BatchNorm that directly follows a
convolution is folded into that convolution's weight and bias by mmcv
(:func:`mmcv.cnn.fuse_conv_bn`).

mmcv's own walk pairs each BatchNorm child with the last ``Conv2d`` child registered before it,
whatever the forward does. On this package's models (PP-LCNet, MobileNetV3, MobileOne, PicoDet,
DeepLabV3+) and torchvision's it folds exactly the pairs chosen here, but it is wrong on three
kinds of module that the benchmarks run (relative output errors measured on random blocks):
a ``ConvModule`` with ``order=('norm', 'conv', 'act')`` (1.0: it folds the input norm into the
output), one with ``order=('conv', 'act', 'norm')`` (0.22: across the activation), and timm's
``BatchNormAct2d`` (2e4: the activation inside the norm is dropped). So the pairs are chosen
here, where the execution order is known (``nn.Sequential``, and ``ConvModule`` by its
``order``), and each pair is handed to mmcv alone.
"""
import copy
from typing import Iterator, Tuple

import torch
from mmcv.cnn import fuse_conv_bn as mmcv_fuse_conv_bn
from torch import nn

from .reparam import switch_to_deploy

# Only plain BatchNorm is folded: subclasses may add behaviour (timm's BatchNormAct2d applies an
# activation inside), which folding would silently drop.
_FOLDABLE_NORMS = (nn.BatchNorm2d, nn.SyncBatchNorm)
_FOLDABLE_CONVS = (nn.Conv2d, )


def _foldable(conv: nn.Module, norm: nn.Module) -> bool:
    return (type(conv) in _FOLDABLE_CONVS and type(norm) in _FOLDABLE_NORMS
            and norm.track_running_stats and norm.running_mean is not None
            and norm.num_features == conv.out_channels)


def _conv_norm_pairs(module: nn.Module) -> Iterator[Tuple[str, str]]:
    """Names of the (conv, norm) children of ``module`` where the norm runs right after the conv:
    consecutive children of an ``nn.Sequential``, or an mmcv ``ConvModule`` whose ``order``
    starts with ``conv, norm``."""
    if isinstance(module, nn.Sequential):
        names = list(module._modules)
        yield from zip(names, names[1:])
    elif hasattr(module, 'norm_name') and hasattr(module, 'conv') and \
            getattr(module, 'with_norm', False) and \
            tuple(getattr(module, 'order', ()))[:2] == ('conv', 'norm'):
        yield 'conv', module.norm_name


def _fold_pair(parent: nn.Module, conv_name: str, norm_name: str) -> None:
    """Fold ``parent.<norm_name>`` into ``parent.<conv_name>`` with mmcv; the norm becomes an
    ``nn.Identity``. mmcv walks only the two-module ``Sequential`` given here."""
    pair = mmcv_fuse_conv_bn(nn.Sequential(parent._modules[conv_name],
                                           parent._modules[norm_name]))
    parent._modules[conv_name], parent._modules[norm_name] = pair[0], pair[1]


def reparameterize(model: nn.Module) -> int:
    """Switch re-parameterisable backbones (MobileOne) to their deploy form, in place, and log
    it; returns how many blocks were merged."""
    return sum(switched.blocks for switched in switch_to_deploy(model))


def fuse_conv_bn(model: nn.Module) -> int:
    """Fold BatchNorms into the convolutions they follow, in place; returns how many were folded.

    Handles mmcv ``ConvModule`` (order ``conv, norm, act``) and ``nn.Sequential`` chains
    (torchvision's conv blocks); plain ``BatchNorm2d``/``SyncBatchNorm`` only (timm's
    ``BatchNormAct2d`` stays). The model must be in eval mode.
    """
    if model.training:
        raise ValueError('fuse_conv_bn: put the model in eval mode first (BN folding uses the '
                         'running statistics)')
    folded = 0
    with torch.no_grad():
        for module in list(model.modules()):
            for conv_name, norm_name in list(_conv_norm_pairs(module)):
                conv, norm = module._modules[conv_name], module._modules[norm_name]
                if conv is not None and norm is not None and _foldable(conv, norm):
                    _fold_pair(module, conv_name, norm_name)
                    folded += 1
    return folded


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
