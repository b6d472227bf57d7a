"""Channel widths at a width multiplier, as PP-LCNet and Paddle's MobileNetV3 scale them.

One rule for every layer that follows a backbone's width: ``make_divisible(c * widen_factor, 8)``
(PaddleClas' ``make_divisible``: the nearest multiple of 8, at least 8, plus 8 where that falls
below 90% of ``c * widen_factor``; mmpretrain's function). Backbones scale their layers with it,
and necks and heads that take the backbone's ``widen_factor`` scale their input channels with
it (as mmyolo's necks take ``widen_factor``), so no config computes a width by hand.
"""
from typing import List, Sequence

from mmpretrain.models.utils import make_divisible


def scaled_width(channels: int, widen_factor: float) -> int:
    """``channels`` (at width 1) at ``widen_factor``."""
    return int(make_divisible(channels * widen_factor, 8))


def scaled_widths(channels: Sequence[int], widen_factor: float) -> List[int]:
    """Each of ``channels`` (at width 1) at ``widen_factor``."""
    return [scaled_width(c, widen_factor) for c in channels]
