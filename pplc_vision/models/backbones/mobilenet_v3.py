"""MobileNetV3-large/-small with a width multiplier, built by torchvision, as a backbone.

The paper's Table 3-5 baselines. torchvision's network is used as it is (its ``features``
module keeps torchvision's names, so its checkpoints load with ``prefix='features.'``); this class
only cuts it into the five stages of the common contract (output strides 2, 4, 8, 16, 32) and adds
``out_indices``, ``frozen_stages`` and ``norm_eval``. The final 1x1 conv to 6 x C (960 at 1x) is a
classifier layer and is dropped: the stride-32 output is the last inverted-residual block (160 x
width for -large), the feature the paper's DeepLabV3+ and PicoDet baselines use.

torchvision's MobileNetV3 differs from PaddleClas' in small ways (SE width rounding, hard-sigmoid
slope 1/6 instead of 0.2): fine for training detectors and segmenters, not for loading Paddle weights.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm
from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf

from ...registry import register_model


@register_model()
class TorchvisionMobileNetV3(BaseModule):
    """MobileNetV3 backbone with any width (torchvision's implementation).

    Args:
        arch: ``'large'`` or ``'small'``.
        widen_factor: Width multiplier (0.35, 0.5, 0.75, 1.0, 1.25 in the papers).
        out_indices: Stages to return, in 0..4 (output strides 2, 4, 8, 16, 32). For ``'small'``
            stage 0 is the stem alone.
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
        if not widen_factor > 0:
            raise ValueError(f'TorchvisionMobileNetV3: widen_factor must be positive, '
                             f'got {widen_factor}')
        num_stages = len(self.stage_strides)
        out_indices = tuple(out_indices)
        if not out_indices or any(i not in range(num_stages) for i in out_indices):
            raise ValueError(f'TorchvisionMobileNetV3: out_indices must be a non-empty subset '
                             f'of 0..{num_stages - 1}, got {out_indices}')
        if frozen_stages not in range(-1, num_stages + 1):
            raise ValueError(f'TorchvisionMobileNetV3: frozen_stages must be in '
                             f'-1..{num_stages}, got {frozen_stages}')
        settings, last_channel = _mobilenet_v3_conf(f'mobilenet_v3_{arch}',
                                                    width_mult=widen_factor)
        # features: [stem, *inverted residual blocks, last 1x1 conv]; drop the last conv.
        self.features = MobileNetV3(settings, last_channel).features[:-1]
        self.arch = arch
        self.widen_factor = widen_factor
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        # stage_ends[k]: index in ``features`` of the last layer whose output has stride 2**(k+1)
        strides = [2] + [2 * _cumprod([s.stride for s in settings[:i + 1]])
                         for i in range(len(settings))]
        channels = [settings[0].input_channels] + [s.out_channels for s in settings]
        self.stage_ends = [max(i for i, s in enumerate(strides) if s == stride)
                           for stride in self.stage_strides]
        self.out_channels = [channels[i] for i in self.stage_ends]
        self._freeze_stages()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        last = self.stage_ends[max(self.out_indices)]
        for i, layer in enumerate(self.features[:last + 1]):
            x = layer(x)
            if i in self.stage_ends and self.stage_ends.index(i) in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        last = 0 if self.frozen_stages == 0 else self.stage_ends[self.frozen_stages - 1]
        for layer in self.features[:last + 1]:
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'TorchvisionMobileNetV3':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self


def _cumprod(values: Sequence[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out
