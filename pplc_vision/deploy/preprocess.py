"""The data preprocessor's channel swap, mean and std as graph ops, for exported models.

Every exported graph takes ``(N, 3, H, W)`` images in 0..255 in the order the test pipeline
loads them (BGR, as cv2 reads): the swap to the network's order and the normalisation are the
first ops of the graph, read from the model's own data preprocessor.
"""
from typing import Optional

import numpy as np
import torch
from torch import nn

# what each OpenMMLab data preprocessor calls its BGR->RGB switch: mmpretrain's
# ClsDataPreprocessor ``to_rgb``, mmseg's SegDataPreProcessor ``channel_conversion``, mmengine's
# ImgDataPreprocessor (mmdet's DetDataPreprocessor) ``_channel_conversion``
CHANNEL_SWAP_ATTRS = ('to_rgb', 'channel_conversion', '_channel_conversion')


def swaps_channels(data_preprocessor: Optional[nn.Module]) -> bool:
    """Whether the data preprocessor swaps BGR to RGB before the network."""
    return any(bool(getattr(data_preprocessor, a, False)) for a in CHANNEL_SWAP_ATTRS)


def input_pad_value(data_preprocessor: Optional[nn.Module], channel_order: str = 'BGR'
                    ) -> np.ndarray:
    """``(1, 3, 1, 1)``: the graph-input value (0..255, in ``channel_order``) that the data
    preprocessor's padding stands for: its mean where it normalises (it pads the normalised
    batch with 0), else its ``pad_value``."""
    pre = data_preprocessor
    if not getattr(pre, '_enable_normalize', False):
        return np.full((1, 3, 1, 1), float(getattr(pre, 'pad_value', 0)), np.float32)
    mean = pre.mean.reshape(-1).numpy().astype(np.float32)  # in the network's order
    if swaps_channels(pre) and channel_order == 'BGR':
        mean = mean[::-1]
    return np.ascontiguousarray(mean.reshape(1, -1, 1, 1))


class PreprocessInGraph(nn.Module):
    """``(N, 3, H, W)`` BGR images in 0..255 -> the normalised batch the network expects.

    Reads an OpenMMLab data preprocessor: its BGR->RGB swap (:func:`swaps_channels`) and, where
    it normalises, its mean and std. ``enabled=False`` passes the (already normalised) input
    through.
    """

    def __init__(self, data_preprocessor: Optional[nn.Module], enabled: bool = True) -> None:
        super().__init__()
        pre = data_preprocessor
        self.swap_channels = enabled and swaps_channels(pre)
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
