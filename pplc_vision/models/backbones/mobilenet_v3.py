"""MobileNetV3-large/-small with a width multiplier, built by torchvision, as a backbone.

The paper's Table 3-5 baselines. torchvision's network is used as it is (its ``features``
module keeps torchvision's names, so its checkpoints load with ``prefix='features.'``); this class
only cuts it into the five stages of the backbone contract (:mod:`.base`; output strides 2, 4,
8, 16, 32). The final 1x1 conv to 6 x C (960 at 1x) is a classifier layer and is dropped: the
stride-32 output is the last inverted-residual block (160 x width for -large), the feature the
paper's DeepLabV3+ and PicoDet baselines use.

torchvision's MobileNetV3 differs from PaddleClas' in small ways (SE width rounding, hard-sigmoid
slope 1/6 instead of 0.2): fine for training detectors and segmenters, not for loading Paddle
weights.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf

from ...registry import register_model
from .base import StagedBackboneMixin, resolve_widen_factor


@register_model()
class TorchvisionMobileNetV3(StagedBackboneMixin, BaseModule):
    """MobileNetV3 backbone with any width (torchvision's implementation).

    Stage ``k`` ends at the last layer of ``features`` with output stride ``2 ** (k + 1)``
    (``stage_ends[k]``); the stem is ``features[0]``. Channels at width 1.0 (MobileNetV3 paper,
    Tables 1 and 2), each scaled by ``widen_factor`` and rounded to a multiple of 8:

    =====  ====  ====  ====  ====  ====
    stage  0     1     2     3     4
    =====  ====  ====  ====  ====  ====
    large  16    24    40    112   160
    small  16    16    24    48    96
    =====  ====  ====  ====  ====  ====

    Args:
        arch: ``'large'`` or ``'small'``.
        widen_factor: Width multiplier (0.35, 0.5, 0.75, 1.0, 1.25 in the papers).
        out_indices: Stages to return, in 0..4 (or -5..-1; output strides 2, 4, 8, 16, 32). For
            ``'small'`` stage 0 is the stem alone.
        frozen_stages: ``-1`` none, ``0`` the stem, ``k`` the stem and stages up to ``k - 1``.
        norm_eval: Keep BN layers in eval mode while training.
        init_cfg: Initialisation config (torchvision's own init is kept when ``None``).
    """

    arch_names = ('large', 'small')
    stage_strides = (2, 4, 8, 16, 32)

    def __init__(self,
                 arch: str = 'large',
                 widen_factor: float = 1.0,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in self.arch_names:
            raise ValueError(f'TorchvisionMobileNetV3: arch must be one of {self.arch_names}, '
                             f'got {arch!r}')
        self.arch = arch
        self.widen_factor = resolve_widen_factor(type(self).__name__, widen_factor)
        settings, last_channel = _mobilenet_v3_conf(f'mobilenet_v3_{arch}',
                                                    width_mult=self.widen_factor)
        # features: [stem, *inverted residual blocks, last 1x1 conv]; drop the last conv.
        self.features = MobileNetV3(settings, last_channel).features[:-1]

        # stage_ends[k]: index in ``features`` of the last layer whose output has stride 2**(k+1)
        strides = [2] + [2 * _cumprod([s.stride for s in settings[:i + 1]])
                         for i in range(len(settings))]
        channels = [settings[0].input_channels] + [s.out_channels for s in settings]
        self.stage_ends = [max(i for i, s in enumerate(strides) if s == stride)
                           for stride in self.stage_strides]
        self._init_stage_contract(out_indices, frozen_stages, norm_eval,
                                  [channels[i] for i in self.stage_ends])

    def stem_and_stages(self) -> List[nn.Module]:
        starts = [1] + [end + 1 for end in self.stage_ends[:-1]]
        return [self.features[0]] + [self.features[start:end + 1]
                                     for start, end in zip(starts, self.stage_ends)]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        last = self.stage_ends[max(self.out_indices)]
        for i, layer in enumerate(self.features[:last + 1]):
            x = layer(x)
            if i in self.stage_ends and self.stage_ends.index(i) in self.out_indices:
                outs.append(x)
        return tuple(outs)


def _cumprod(values: Sequence[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out
