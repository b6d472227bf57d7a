"""Channel widths at a width multiplier, as PP-LCNet and Paddle's MobileNetV3 scale them.

One rule for every layer that follows a backbone's width: ``make_divisible(c * widen_factor, 8)``
(PaddleClas' ``make_divisible``: the nearest multiple of 8, at least 8, plus 8 where that falls
below 90% of ``c * widen_factor``; mmpretrain's rounds the same way, the toolkit keeps its own
so that the backbones need no mmpretrain). Backbones scale their layers with it,
and necks and heads that take the backbone's ``widen_factor`` scale their input channels with
it (as mmyolo's necks take ``widen_factor``), so no config computes a width by hand.
"""
from typing import List, Optional, Sequence


def make_divisible(value: float, divisor: int, min_value: Optional[int] = None,
                   min_ratio: float = 0.9) -> int:
    """``value`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``, default
    ``divisor``), one ``divisor`` more where rounding lost over ``1 - min_ratio`` of ``value``
    (PaddleClas' ``_make_divisible``; mmpretrain's ``make_divisible`` rounds the same way)."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < min_ratio * value else rounded


def scaled_width(channels: int, widen_factor: float) -> int:
    """``channels`` (at width 1) at ``widen_factor``; at width 1 exactly ``channels`` (every
    backbone width is a multiple of 8 there, and a neck or head built for another network's
    channels must get what its config says)."""
    if widen_factor == 1:
        return int(channels)
    return int(make_divisible(channels * widen_factor, 8))


def scaled_widths(channels: Sequence[int], widen_factor: float) -> List[int]:
    """Each of ``channels`` (at width 1) at ``widen_factor``."""
    return [scaled_width(c, widen_factor) for c in channels]
