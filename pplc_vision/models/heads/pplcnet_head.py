"""PP-LCNet's classification head for mmpretrain's ``ImageClassifier``."""
from typing import Optional, Tuple

import torch
from mmcv.cnn import build_activation_layer
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from torch import nn
import torch.nn.functional as F

from ..layers import scaled_width


@MODELS.register_module()
class PPLCNetClsHead(ClsHead):
    """Global pooling, a 1x1 conv to ``mid_channels`` + activation + dropout, then an FC layer.

    Args:
        num_classes: Number of classes.
        in_channels: Channels of the backbone's last stage at width 1.
        widen_factor: The backbone's width multiplier: the input has
            ``scaled_width(in_channels, widen_factor)`` channels.
        mid_channels: Output channels of the last 1x1 conv (1280 in the paper).
        use_last_conv: Whether the last 1x1 conv is used (paper Tables 8 and 9). Without it the
            pooled feature goes straight to the FC layer, with no dropout.
        last_conv_bias: Bias in the last conv (PaddleClas: no; timm's lcnet: yes).
        dropout_rate: Dropout before the FC layer (0.2 in the paper).
        act_cfg: Activation after the last conv.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 widen_factor: float = 1.0,
                 mid_channels: int = 1280,
                 use_last_conv: bool = True,
                 last_conv_bias: bool = False,
                 dropout_rate: float = 0.2,
                 act_cfg: dict = dict(type='HSwish'),
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'PPLCNetClsHead: num_classes must be positive, got {num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels = scaled_width(in_channels, widen_factor)
        self.use_last_conv = use_last_conv
        if use_last_conv:
            self.last_conv = nn.Conv2d(in_channels, mid_channels, 1, bias=last_conv_bias)
            self.act = build_activation_layer(act_cfg)
            self.dropout = nn.Dropout(dropout_rate)
            fc_in = mid_channels
        else:
            self.last_conv = self.act = self.dropout = None
            fc_in = in_channels
        self.fc = nn.Linear(fc_in, num_classes)

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The feature before the FC layer, shape ``(N, C)``."""
        x = feats[-1]
        if x.dim() == 4:
            x = F.adaptive_avg_pool2d(x, 1)
        elif x.dim() == 2:
            x = x[:, :, None, None]
        else:
            raise ValueError(f'PPLCNetClsHead: expected a (N, C) or (N, C, H, W) feature, '
                             f'got shape {tuple(x.shape)}')
        if x.shape[1] != self.in_channels:
            raise ValueError(f'PPLCNetClsHead: in_channels is {self.in_channels} but the '
                             f'feature has {x.shape[1]} channels')
        if self.last_conv is not None:
            x = self.dropout(self.act(self.last_conv(x)))
        return x.flatten(1)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))
