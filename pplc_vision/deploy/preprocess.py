"""The data preprocessor's channel swap, mean and std as graph ops, for exported models."""
import torch
from torch import nn


class PreprocessInGraph(nn.Module):
    """``(N, 3, H, W)`` images in 0..255 -> the normalised batch the network expects.

    Reads an OpenMMLab data preprocessor: the BGR->RGB swap (mmpretrain's ``to_rgb``, mmseg's
    ``channel_conversion``) and, where it normalises, its mean and std. ``enabled=False`` passes
    the (already normalised) input through.
    """

    def __init__(self, data_preprocessor: nn.Module, enabled: bool = True) -> None:
        super().__init__()
        pre = data_preprocessor
        self.swap_channels = enabled and bool(
            getattr(pre, 'to_rgb', False) or getattr(pre, 'channel_conversion', False))
        if enabled and getattr(pre, '_enable_normalize', False):
            self.register_buffer('mean', pre.mean.detach().clone().view(1, -1, 1, 1))
            self.register_buffer('std', pre.std.detach().clone().view(1, -1, 1, 1))
        else:
            self.mean = self.std = None

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float()
        if self.swap_channels:
            x = x[:, [2, 1, 0], ...]
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x
