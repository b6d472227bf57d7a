"""The depthwise-separable block of PP-LCNet (a MobileNetV1 block with an optional SE)."""
from typing import Optional, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch import nn

from .squeeze_excitation import SqueezeExcitation

# torch's hard-sigmoid, clip((x + 3) / 6, 0, 1): one op, exported to ONNX HardSigmoid(alpha=1/6).
# (mmcv's HSigmoid computes the same with three ops and warns at every construction.)
if 'Hardsigmoid' not in MODELS:
    MODELS.register_module(name='Hardsigmoid', module=nn.Hardsigmoid)

ConfigType = dict
OptConfigType = Optional[dict]


def build_se_layer(channels: int, reduction: int = 4) -> nn.Module:
    """PP-LCNet's squeeze-and-excitation: ``C -> C // reduction`` (ReLU) ``-> C`` (hard-sigmoid).

    The squeeze width is ``channels // reduction`` without rounding, and the gate is
    ``clip((x + 3) / 6, 0, 1)``, as in PaddleClas.
    """
    return SqueezeExcitation(channels, channels // reduction,
                             act_cfg=(dict(type='ReLU'), dict(type='Hardsigmoid')))


class DepthSepConv(BaseModule):
    """Depthwise ``k x k`` conv + BN + act, optional SE, pointwise ``1 x 1`` conv + BN + act.

    There is no shortcut. Submodule names (``dw_conv``, ``se``, ``pw_conv``) follow PaddleClas, so
    converted checkpoints map one to one.

    Args:
        in_channels: Input channels (also the depthwise conv's channels).
        out_channels: Output channels of the pointwise conv.
        kernel_size: Depthwise kernel size.
        stride: Depthwise stride (an int, or an ``(h, w)`` pair).
        use_se: Whether an SE module follows the depthwise conv.
        conv_cfg, norm_cfg, act_cfg: Passed to :class:`mmcv.cnn.ConvModule`.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 stride: Union[int, Tuple[int, int]] = 1,
                 use_se: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='HSwish'),
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.dw_conv = ConvModule(
            in_channels, in_channels, kernel_size, stride=stride,
            padding=(kernel_size - 1) // 2, groups=in_channels, conv_cfg=conv_cfg,
            norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.se = build_se_layer(in_channels) if use_se else None
        self.pw_conv = ConvModule(
            in_channels, out_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dw_conv(x)
        if self.se is not None:
            x = self.se(x)
        return self.pw_conv(x)
