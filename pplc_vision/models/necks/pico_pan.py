"""The light PAN neck of the first PicoDet (PaddleDetection ``necks/pan.py``, 2021.09).

Per level a 1x1 lateral conv (with bias, no norm, no activation) to ``out_channels``; a top-down
pass adding the bilinearly upsampled coarser level; a bottom-up pass adding the bilinearly
downsampled finer level. Nothing else: no 3x3 output convs, no extra levels.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from mmdet.registry import MODELS

from ..layers import scaled_widths


def resize_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Bilinear resize (``align_corners=False``) of ``x`` to the spatial size of ``like``.

    For sizes that differ by exactly 2x this equals Paddle's ``scale_factor=2`` / ``0.5``
    interpolation; for odd sizes it still lines the levels up.
    """
    return F.interpolate(x, size=like.shape[-2:], mode='bilinear', align_corners=False)


@MODELS.register_module()
class PicoPAN(BaseModule):
    """Light PAN: 1x1 laterals, bilinear top-down and bottom-up additions.

    Args:
        in_channels: Channels of each input level (finest first) at width 1: the backbone's
            ``out_channels`` at its ``out_indices`` when its ``widen_factor`` is 1.
        out_channels: Channels of every output level (128 in PicoDet).
        widen_factor: The backbone's width multiplier: the inputs have
            ``scaled_widths(in_channels, widen_factor)`` channels.
        init_cfg: Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 128,
                 widen_factor: float = 1.0,
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='Xavier', layer='Conv2d', distribution='uniform')) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) < 2:
            raise ValueError(f'PicoPAN: in_channels needs at least 2 levels, got {in_channels}')
        self.in_channels = scaled_widths(in_channels, widen_factor)
        self.out_channels = out_channels
        self.lateral_convs = nn.ModuleList(
            nn.Conv2d(c, out_channels, 1, bias=True) for c in self.in_channels)

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'PicoPAN: expected {len(self.in_channels)} input levels, '
                             f'got {len(inputs)}')
        feats = [conv(x) for conv, x in zip(self.lateral_convs, inputs)]
        for level in range(len(feats) - 1, 0, -1):
            feats[level - 1] = feats[level - 1] + resize_to(feats[level], feats[level - 1])
        for level in range(len(feats) - 1):
            feats[level + 1] = feats[level + 1] + resize_to(feats[level], feats[level + 1])
        return tuple(feats)
