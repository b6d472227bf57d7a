"""PaddleSeg's DeepLabV3+ head (``DeepLabV3PHead``), the head of the paper's Table 5 models.

PaddleSeg 2.x (``paddleseg/models/deeplab.py``, ``layers/pyramid_pool.py``,
``layers/layer_libs.py``; PAPER.md, Table 5) differs from mmseg's ``DepthwiseSeparableASPPHead``:

- the ASPP concat is projected by a 1x1 conv + BN + ReLU (mmseg: a 3x3 bottleneck, 2.6M params
  more at 256 channels), followed by dropout 0.1 (mmseg: dropout before the classifier);
- a separable conv is depthwise conv + BN (no activation), then pointwise conv + BN + ReLU;
- the convs carry biases (Paddle's ``Conv2D`` default) except the image-pooling one.

Module names follow PaddleSeg's (``aspp_blocks``, ``image_pool``, ``aspp_project``,
``low_level_project``, ``decoder_convs``, ``conv_seg``), so its checkpoints convert one to one
(:mod:`pplc_vision.converters.paddleseg`).
"""
import warnings
from typing import List, Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import nn

from ..layers import scaled_widths


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int, norm_cfg: dict,
             act: bool, bias: bool = True, **kwargs) -> ConvModule:
    """Conv (with a bias, as Paddle's ``Conv2D``) + norm (+ ReLU when ``act``)."""
    with warnings.catch_warnings():
        # a bias before BN is redundant, but PaddleSeg's model has it (trained, and counted)
        warnings.filterwarnings('ignore', message='Unnecessary conv bias before batch')
        return ConvModule(in_channels, out_channels, kernel_size, bias=bias,
                          norm_cfg=norm_cfg, act_cfg=dict(type='ReLU') if act else None,
                          **kwargs)


class SeparableConvBNReLU(nn.Module):
    """PaddleSeg's ``SeparableConvBNReLU``: depthwise conv + BN, pointwise conv + BN + ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, norm_cfg: dict,
                 dilation: int = 1) -> None:
        super().__init__()
        self.depthwise_conv = _conv_bn(in_channels, in_channels, kernel_size, norm_cfg, act=False,
                                       padding=dilation * (kernel_size - 1) // 2,
                                       dilation=dilation, groups=in_channels)
        self.pointwise_conv = _conv_bn(in_channels, out_channels, 1, norm_cfg, act=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise_conv(self.depthwise_conv(x))


@MODELS.register_module()
class PaddleSegDeepLabV3PlusHead(BaseDecodeHead):
    """DeepLabV3+ head identical to PaddleSeg's ``DeepLabV3PHead`` (same weights, same outputs).

    ``inputs[in_index[0]]`` is the low-level feature (stride 4), ``inputs[in_index[1]]`` the ASPP
    input (the deepest feature). ASPP: a 1x1 branch for rate 1 and a separable 3x3 branch per other
    rate, plus image pooling (global average, 1x1 conv + BN + ReLU, upsampled); the concat is
    projected by 1x1 conv + BN + ReLU to ``channels`` and dropped out. The decoder projects the
    low-level feature to ``c1_channels`` (1x1 + BN + ReLU), upsamples the ASPP output to it
    (bilinear), concatenates, applies two separable 3x3 convs (``channels`` wide) and the 1x1
    classifier ``conv_seg``.

    Args:
        in_channels: Channels of the (low-level, ASPP) inputs at width 1.
        widen_factor: The backbone's width multiplier: the inputs have
            ``scaled_widths(in_channels, widen_factor)`` channels.
        channels: ASPP and decoder width (PaddleSeg: 256).
        dilations: ASPP rates (PaddleSeg's default (1, 6, 12, 18)).
        c1_channels: Low-level projection width (PaddleSeg: 48).
        dropout_ratio: Dropout after the ASPP projection (PaddleSeg: 0.1); there is none before
            the classifier.
        in_index: Indices of the (low-level, ASPP) inputs among the backbone outputs.
        **kwargs: :class:`~mmseg.models.decode_heads.decode_head.BaseDecodeHead`'s arguments
            (``num_classes``, ``norm_cfg``, ``align_corners``, ``loss_decode``, ...).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 widen_factor: float = 1.0,
                 channels: int = 256,
                 dilations: Sequence[int] = (1, 6, 12, 18),
                 c1_channels: int = 48,
                 dropout_ratio: float = 0.1,
                 in_index: Sequence[int] = (0, 1),
                 norm_cfg: Optional[dict] = dict(type='BN', requires_grad=True),
                 **kwargs) -> None:
        if len(in_channels) != 2 or len(in_index) != 2:
            raise ValueError('PaddleSegDeepLabV3PlusHead: in_channels and in_index take two '
                             f'entries (low-level, ASPP input), got {in_channels!r} and '
                             f'{in_index!r}')
        super().__init__(scaled_widths(in_channels, widen_factor), channels, dropout_ratio=0.0,
                         norm_cfg=norm_cfg,
                         in_index=list(in_index), input_transform='multiple_select', **kwargs)
        low_channels, aspp_in = self.in_channels
        self.aspp_blocks = nn.ModuleList(
            _conv_bn(aspp_in, channels, 1, norm_cfg, act=True) if rate == 1 else
            SeparableConvBNReLU(aspp_in, channels, 3, norm_cfg, dilation=rate)
            for rate in dilations)
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), _conv_bn(aspp_in, channels, 1, norm_cfg, act=True,
                                              bias=False))
        self.aspp_project = _conv_bn(channels * (len(dilations) + 1), channels, 1, norm_cfg,
                                     act=True)
        self.aspp_dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 else nn.Identity()
        self.low_level_project = _conv_bn(low_channels, c1_channels, 1, norm_cfg, act=True)
        self.decoder_convs = nn.Sequential(
            SeparableConvBNReLU(channels + c1_channels, channels, 3, norm_cfg),
            SeparableConvBNReLU(channels, channels, 3, norm_cfg))

    def aspp(self, x: torch.Tensor) -> torch.Tensor:
        """Atrous spatial pyramid pooling with image pooling, projected and dropped out."""
        outs: List[torch.Tensor] = [block(x) for block in self.aspp_blocks]
        outs.append(resize(self.image_pool(x), size=x.shape[2:], mode='bilinear',
                           align_corners=self.align_corners))
        return self.aspp_dropout(self.aspp_project(torch.cat(outs, dim=1)))

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        low_level, deep = self._transform_inputs(inputs)
        low_level = self.low_level_project(low_level)
        x = resize(self.aspp(deep), size=low_level.shape[2:], mode='bilinear',
                   align_corners=self.align_corners)
        x = self.decoder_convs(torch.cat([x, low_level], dim=1))
        return self.cls_seg(x)
