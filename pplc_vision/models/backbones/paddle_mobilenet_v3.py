"""MobileNetV3 as the Paddle suite builds it: the baseline of the paper's Tables 3 to 5.

PaddleClas (``ppcls/arch/backbone/legendary_models/mobilenet_v3.py``), PaddleSeg
(``paddleseg/models/backbones/mobilenetv3.py``) and PaddleDetection build one network, which is
not torchvision's (see spec/PAPER.md, "Other systems in the seeds"):

- every width is ``make_divisible(c * widen_factor, 8)`` (never below 90% of ``c * widen_factor``),
  the stem included; an expand conv is present in every block, the first one too;
- SE squeezes to ``C // 4`` (no rounding), with biases, ReLU, and a hard-sigmoid of slope 0.2
  (``clip(0.2 x + 0.5, 0, 1)``; torch's has slope 1/6);
- the classifier's extra 1x1 conv (``last_second_conv``, 960 or 576 times the width, BN,
  hard-swish) belongs to classification only: PaddleSeg's and PaddleDetection's copies stop at the
  last inverted residual block.

Module names are PaddleClas' (``conv``, ``blocks.N.{expand_conv,bottleneck_conv,mid_se,
linear_conv}``, ``last_second_conv``), so its checkpoints and PaddleSeg's convert one to one
(:mod:`pplc_vision.converters.paddle_mobilenet_v3`).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch import nn

from ...registry import register_model
from ..layers import SqueezeExcitation, scaled_width
from .base import StagedBackboneMixin, resolve_widen_factor


class SlopeHardsigmoid(nn.Module):
    """``clip(slope * x + offset, 0, 1)``; Paddle's default slope is 0.2 (ONNX's HardSigmoid's).

    ``inplace`` is accepted and ignored: mmcv's ``ConvModule`` passes it to every activation
    outside its short list of in-place-less ones.
    """

    def __init__(self, slope: float = 0.2, offset: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.slope = slope
        self.offset = offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # torch's hard-sigmoid is clip(y / 6 + 0.5, 0, 1), one op (ONNX HardSigmoid), with
        # y = 6 * (slope * x + offset - 0.5). A clamp of x * slope + offset exports a Mul and an
        # Add after the SE's conv, whose Add NNCF's int8 bias correction takes for the conv's
        # bias (and fails on)
        y = x * (6.0 * self.slope)
        if self.offset != 0.5:
            y = y + 6.0 * (self.offset - 0.5)
        return F.hardsigmoid(y)

    def extra_repr(self) -> str:
        return f'slope={self.slope}, offset={self.offset}'


if 'SlopeHardsigmoid' not in MODELS:
    MODELS.register_module(name='SlopeHardsigmoid', module=SlopeHardsigmoid)


class InvertedResidual(BaseModule):
    """Paddle's ``ResidualUnit``: 1x1 expand, depthwise ``k x k``, optional SE, 1x1 linear.

    A shortcut is added when the stride is 1 and the input and output widths are equal.
    """

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, kernel_size: int,
                 stride: int, use_se: bool, act_cfg: dict, norm_cfg: dict) -> None:
        super().__init__()
        self.with_shortcut = stride == 1 and in_channels == out_channels
        self.expand_conv = ConvModule(in_channels, mid_channels, 1, norm_cfg=norm_cfg,
                                      act_cfg=act_cfg)
        self.bottleneck_conv = ConvModule(
            mid_channels, mid_channels, kernel_size, stride=stride,
            padding=(kernel_size - 1) // 2, groups=mid_channels, norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.mid_se = SqueezeExcitation(
            mid_channels, mid_channels // 4,
            act_cfg=(dict(type='ReLU'), dict(type='SlopeHardsigmoid'))) if use_se else None
        self.linear_conv = ConvModule(mid_channels, out_channels, 1, norm_cfg=norm_cfg,
                                      act_cfg=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bottleneck_conv(self.expand_conv(x))
        if self.mid_se is not None:
            out = self.mid_se(out)
        out = self.linear_conv(out)
        return x + out if self.with_shortcut else out


@register_model()
class PaddleMobileNetV3(StagedBackboneMixin, BaseModule):
    """MobileNetV3-large/-small as PaddleClas, PaddleSeg and PaddleDetection build it.

    A 3x3 stride-2 stem (``conv``, 16 x width, hard-swish), then the inverted residual blocks of
    ``arch_settings`` (``blocks``), cut into five stages with output strides 2, 4, 8, 16, 32
    (``stage_ends``: the last block of each; for ``'small'`` stage 0 is the stem alone).
    Channels of stages 0..4 at width 1.0: large 16, 24, 40, 112, 160; small 16, 16, 24, 48, 96.

    Args:
        arch: ``'large'`` or ``'small'``.
        widen_factor: Width multiplier (0.35, 0.5, 0.75, 1.0, 1.25 in PaddleClas).
        out_indices: Stages to return, in 0..4 (or -5..-1). PaddleSeg's DeepLabV3+ takes (1, 4),
            PicoDet (2, 3, 4).
        frozen_stages: ``-1`` none, ``0`` the stem, ``k`` the stem and stages up to ``k - 1``.
        with_last_conv: Append the classifier's 1x1 conv (``last_second_conv``: 960 x width for
            large, 576 x width for small, BN, hard-swish) to stage 4, as for ImageNet
            classification. Detection and segmentation leave it out, as Paddle's copies do.
        norm_cfg: Normalisation layers (Paddle: BN, eps 1e-5).
        norm_eval: Keep BN layers in eval mode while training.
        init_cfg: Initialisation config; ``dict(type='Pretrained', prefix='backbone.',
            checkpoint=...)`` for converted ImageNet weights.
    """

    # [kernel, expanded channels, out channels, SE, activation, stride] at width 1.0 (Paddle's
    # NET_CONFIG)
    arch_settings: Dict[str, List[list]] = {
        'large': [
            [3, 16, 16, False, 'ReLU', 1],
            [3, 64, 24, False, 'ReLU', 2],
            [3, 72, 24, False, 'ReLU', 1],
            [5, 72, 40, True, 'ReLU', 2],
            [5, 120, 40, True, 'ReLU', 1],
            [5, 120, 40, True, 'ReLU', 1],
            [3, 240, 80, False, 'HSwish', 2],
            [3, 200, 80, False, 'HSwish', 1],
            [3, 184, 80, False, 'HSwish', 1],
            [3, 184, 80, False, 'HSwish', 1],
            [3, 480, 112, True, 'HSwish', 1],
            [3, 672, 112, True, 'HSwish', 1],
            [5, 672, 160, True, 'HSwish', 2],
            [5, 960, 160, True, 'HSwish', 1],
            [5, 960, 160, True, 'HSwish', 1],
        ],
        'small': [
            [3, 16, 16, True, 'ReLU', 2],
            [3, 72, 24, False, 'ReLU', 2],
            [3, 88, 24, False, 'ReLU', 1],
            [5, 96, 40, True, 'HSwish', 2],
            [5, 240, 40, True, 'HSwish', 1],
            [5, 240, 40, True, 'HSwish', 1],
            [5, 120, 48, True, 'HSwish', 1],
            [5, 144, 48, True, 'HSwish', 1],
            [5, 288, 96, True, 'HSwish', 2],
            [5, 576, 96, True, 'HSwish', 1],
            [5, 576, 96, True, 'HSwish', 1],
        ],
    }
    #: Index in ``blocks`` of the last block of stages 0..4 (-1: the stage is the stem alone).
    stage_ends: Dict[str, Tuple[int, ...]] = {'large': (0, 2, 5, 11, 14),
                                              'small': (-1, 0, 2, 7, 10)}
    #: Output channels of the classifier's 1x1 conv at width 1.0.
    last_conv_channels = {'large': 960, 'small': 576}
    stem_channels = 16
    stage_strides = (2, 4, 8, 16, 32)

    def __init__(self,
                 arch: str = 'large',
                 widen_factor: float = 1.0,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 with_last_conv: bool = False,
                 norm_cfg: dict = dict(type='BN'),
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer='Conv2d'),
                     dict(type='Constant', val=1, layer=['_BatchNorm'])
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in self.arch_settings:
            raise ValueError(f'PaddleMobileNetV3: arch must be one of '
                             f'{tuple(self.arch_settings)}, got {arch!r}')
        self.arch = arch
        self.widen_factor = resolve_widen_factor(type(self).__name__, widen_factor)
        self.with_last_conv = bool(with_last_conv)
        settings = self.arch_settings[arch]

        self.conv = ConvModule(3, self.scaled(self.stem_channels), 3, stride=2, padding=1,
                               norm_cfg=norm_cfg, act_cfg=dict(type='HSwish'))
        blocks = []
        in_channels = self.scaled(self.stem_channels)
        for kernel, mid, out, use_se, act, stride in settings:
            blocks.append(InvertedResidual(in_channels, self.scaled(mid), self.scaled(out),
                                           kernel, stride, use_se, dict(type=act), norm_cfg))
            in_channels = self.scaled(out)
        self.blocks = nn.Sequential(*blocks)
        out_channels = [self.scaled(self.stem_channels if end < 0 else settings[end][2])
                        for end in self.stage_ends[arch]]
        if self.with_last_conv:
            self.last_second_conv = ConvModule(
                in_channels, self.scaled(self.last_conv_channels[arch]), 1, norm_cfg=norm_cfg,
                act_cfg=dict(type='HSwish'))
            out_channels[-1] = self.scaled(self.last_conv_channels[arch])
        self._init_stage_contract(out_indices, frozen_stages, norm_eval, out_channels)

    def scaled(self, channels: int) -> int:
        """Channels of a layer at this network's width (Paddle's ``_make_divisible``)."""
        return scaled_width(channels, self.widen_factor)

    def stem_and_stages(self) -> List[nn.Module]:
        ends = self.stage_ends[self.arch]
        starts = [0] + [end + 1 for end in ends[:-1]]
        stages: List[nn.Module] = [self.blocks[start:end + 1] for start, end in zip(starts, ends)]
        if self.with_last_conv:
            stages[-1] = nn.Sequential(*stages[-1], self.last_second_conv)
        return [self.conv] + stages

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        stages = self.stem_and_stages()
        x = stages[0](x)
        for i, stage in enumerate(stages[1:max(self.out_indices) + 2]):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
