"""The CSP-PAN neck of the later PicoDet (arXiv 2111.00902; PaddleDetection ``csp_pan.py``) and
its PP-LCNet variant ``LCPAN`` of PicoDet v2 (PaddleDetection ``lc_pan.py``, 2022).

1x1 conv + BN + act per input level to ``out_channels``; a top-down pass (nearest upsample,
concatenate, fusion block) and a bottom-up pass (stride-2 depthwise-separable conv, concatenate,
fusion block), all depthwise with ``kernel_size`` kernels; optionally one extra coarser level,
the sum of stride-2 depthwise-separable convs of the coarsest input and of the coarsest output.
The fusion block is a CSP layer (mmdet's ``CSPLayer`` with its bottlenecks' 3x3 conv replaced by a
``kernel_size`` one) or, in ``LCPAN``, two PP-LCNet depthwise-separable blocks
(``2C -> 2C -> C``).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn

from mmdet.models.layers import CSPLayer
from mmdet.registry import MODELS

from ..layers import DepthSepConv, scaled_widths

ConfigType = dict


class KernelCSPLayer(CSPLayer):
    """mmdet's :class:`CSPLayer` whose bottlenecks use a depthwise-separable ``k x k`` conv."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 5,
                 num_blocks: int = 1, norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='HSwish')) -> None:
        super().__init__(in_channels, out_channels, expand_ratio=0.5, num_blocks=num_blocks,
                         add_identity=False, use_depthwise=True, norm_cfg=norm_cfg,
                         act_cfg=act_cfg)
        mid = int(out_channels * 0.5)
        for block in self.blocks:  # mmdet hard-codes 3x3 here
            block.conv2 = DepthSepConv(mid, mid, kernel_size, norm_cfg=norm_cfg, act_cfg=act_cfg)


def lcnet_fusion_block(channels: int, kernel_size: int, norm_cfg: ConfigType,
                       act_cfg: ConfigType) -> nn.Sequential:
    """LCPAN's fusion of two concatenated levels: PP-LCNet blocks ``2C -> 2C -> C``."""
    return nn.Sequential(
        DepthSepConv(2 * channels, 2 * channels, kernel_size, norm_cfg=norm_cfg,
                     act_cfg=act_cfg),
        DepthSepConv(2 * channels, channels, kernel_size, norm_cfg=norm_cfg, act_cfg=act_cfg))


#: fusion block -> its builder ``(out_channels, kernel_size, num_csp_blocks, norm_cfg, act_cfg)``
FUSION_BLOCKS = {
    'csp': lambda c, k, n, norm, act: KernelCSPLayer(2 * c, c, k, n, norm, act),
    'lcnet': lambda c, k, n, norm, act: lcnet_fusion_block(c, k, norm, act),
}


@MODELS.register_module()
class PicoCSPPAN(BaseModule):
    """CSP-PAN with depthwise ``kernel_size`` convs and an optional extra stride-2x level.

    Args:
        in_channels: Channels of each input level (finest first) at width 1: the backbone's
            ``out_channels`` at its ``out_indices`` when its ``widen_factor`` is 1.
        out_channels: Channels of every output level (128 in PicoDet).
        widen_factor: The backbone's width multiplier: the inputs have
            ``scaled_widths(in_channels, widen_factor)`` channels.
        kernel_size: Depthwise kernel size (5).
        num_csp_blocks: Bottlenecks per CSP layer (``fusion_block='csp'`` only).
        extra_level: Add one output level at twice the coarsest stride.
        fusion_block: ``'csp'`` (CSP-PAN) or ``'lcnet'`` (LCPAN: two PP-LCNet blocks).
        norm_cfg, act_cfg: Norm and activation (BN, hard-swish).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 128,
                 kernel_size: int = 5,
                 num_csp_blocks: int = 1,
                 extra_level: bool = True,
                 fusion_block: str = 'csp',
                 widen_factor: float = 1.0,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='HSwish'),
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='Kaiming', layer='Conv2d', a=5 ** 0.5, distribution='uniform',
                     mode='fan_in', nonlinearity='leaky_relu')) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if len(in_channels) < 2:
            raise ValueError(f'{name}: in_channels needs at least 2 levels, got {in_channels}')
        if fusion_block not in FUSION_BLOCKS:
            raise ValueError(f'{name}: fusion_block must be one of {sorted(FUSION_BLOCKS)}, '
                             f'got {fusion_block!r}')
        self.in_channels = scaled_widths(in_channels, widen_factor)
        self.out_channels = out_channels
        num = len(self.in_channels)
        conv = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        down = lambda: DepthSepConv(out_channels, out_channels, kernel_size, stride=2,  # noqa
                                    **conv)
        fuse = lambda: FUSION_BLOCKS[fusion_block](out_channels, kernel_size,  # noqa
                                                   num_csp_blocks, norm_cfg, act_cfg)
        self.channel_convs = nn.ModuleList(ConvModule(c, out_channels, 1, **conv)
                                           for c in self.in_channels)
        self.top_down_blocks = nn.ModuleList(fuse() for _ in range(num - 1))
        self.downsamples = nn.ModuleList(down() for _ in range(num - 1))
        self.bottom_up_blocks = nn.ModuleList(fuse() for _ in range(num - 1))
        self.extra_level = extra_level
        if extra_level:
            self.extra_in_conv = down()
            self.extra_out_conv = down()

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'{type(self).__name__}: expected {len(self.in_channels)} input '
                             f'levels, got {len(inputs)}')
        feats = [conv(x) for conv, x in zip(self.channel_convs, inputs)]
        inner = [feats[-1]]
        for i, level in enumerate(range(len(feats) - 1, 0, -1)):
            up = F.interpolate(inner[0], size=feats[level - 1].shape[-2:], mode='nearest')
            inner.insert(0, self.top_down_blocks[i](torch.cat([up, feats[level - 1]], 1)))
        outs = [inner[0]]
        for i in range(len(feats) - 1):
            down = self.downsamples[i](outs[-1])
            outs.append(self.bottom_up_blocks[i](torch.cat([down, inner[i + 1]], 1)))
        if self.extra_level:
            outs.append(self.extra_in_conv(feats[-1]) + self.extra_out_conv(outs[-1]))
        return tuple(outs)


@MODELS.register_module()
class LCPAN(PicoCSPPAN):
    """PicoDet v2's neck (PaddleDetection ``LCPAN``): :class:`PicoCSPPAN` whose fusion blocks are
    two PP-LCNet depthwise-separable blocks (``fusion_block='lcnet'``).

    Args:
        in_channels: Channels of each input level (finest first) at width 1.
        out_channels: Channels of every output level (96 for PicoDet-XS/S, 128 for M, 160 for L).
        widen_factor: The backbone's width multiplier (see :class:`PicoCSPPAN`).
        kernel_size: Depthwise kernel size (5).
        extra_level: The fourth, stride-64 level (upstream ``num_features: 4``).
        norm_cfg, act_cfg: Norm and activation (BN, hard-swish).
        init_cfg: Paddle's ``KaimingUniform`` (fan-in, ReLU gain) by default.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 128,
                 kernel_size: int = 5,
                 extra_level: bool = True,
                 widen_factor: float = 1.0,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='HSwish'),
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='Kaiming', layer='Conv2d', mode='fan_in', nonlinearity='relu',
                     distribution='uniform')) -> None:
        super().__init__(in_channels, out_channels, kernel_size, extra_level=extra_level,
                         fusion_block='lcnet', widen_factor=widen_factor,
                         norm_cfg=norm_cfg, act_cfg=act_cfg,
                         init_cfg=init_cfg)
