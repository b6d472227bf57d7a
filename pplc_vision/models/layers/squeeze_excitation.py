"""Squeeze-and-excitation of the PaddleClas networks.

It is the toolkit's own so that the backbones build with mmcv and mmengine alone (an mmdet-only
environment has no mmpretrain). The parameter names (``conv1.conv``, ``conv2.conv``) are those of
mmpretrain's ``SELayer``, so checkpoints written before load unchanged.
"""
from typing import Sequence

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn


class SqueezeExcitation(BaseModule):
    """``x * gate(conv2(act(conv1(mean(x)))))``: 1x1 convs ``C -> squeeze_channels -> C``.

    Args:
        channels: Input and output channels.
        squeeze_channels: Channels between the two 1x1 convs.
        act_cfg: Activation after ``conv1`` and the gate after ``conv2`` (mmcv configs).
        bias: Whether the 1x1 convs have a bias.
    """

    def __init__(self, channels: int, squeeze_channels: int,
                 act_cfg: Sequence[dict] = (dict(type='ReLU'), dict(type='Sigmoid')),
                 bias: bool = True) -> None:
        super().__init__()
        if squeeze_channels <= 0:
            raise ValueError(f'squeeze_channels must be positive, got {squeeze_channels} '
                             f'(channels={channels})')
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, squeeze_channels, 1, bias=bias, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(squeeze_channels, channels, 1, bias=bias, act_cfg=act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv2(self.conv1(self.global_avgpool(x)))
