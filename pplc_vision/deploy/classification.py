"""A tensor-in wrapper of an mmpretrain classifier, for ONNX export.

Input: ``(N, 3, H, W)`` float images in 0..255 in the channel order the test pipeline loads
(BGR, as cv2 reads); the data preprocessor's channel swap, mean and std run inside the graph.
Output: logits ``(N, num_classes)``, or softmax scores.
"""
import torch
from torch import nn


class ClassifierExportWrapper(nn.Module):
    """``forward(images) -> logits | scores`` of an mmpretrain ``ImageClassifier``."""

    def __init__(self, classifier: nn.Module, softmax: bool = False) -> None:
        super().__init__()
        for attr in ('extract_feat', 'head'):
            if not hasattr(classifier, attr):
                raise TypeError(f'ClassifierExportWrapper: expected an mmpretrain ImageClassifier,'
                                f' got {type(classifier).__name__} without `{attr}`')
        self.classifier = classifier.eval()
        self.softmax = softmax
        pre = classifier.data_preprocessor
        self.swap_channels = bool(getattr(pre, 'to_rgb', False))
        if getattr(pre, '_enable_normalize', False):
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
        logits = self.classifier.head(self.classifier.extract_feat(x))
        return logits.softmax(dim=1) if self.softmax else logits
