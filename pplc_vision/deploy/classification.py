"""A tensor-in wrapper of an mmpretrain classifier, for ONNX export.

Input: ``(N, 3, H, W)`` float images in 0..255 in the channel order the test pipeline loads
(BGR, as cv2 reads); the data preprocessor's channel swap, mean and std run inside the graph.
Output: logits ``(N, num_classes)``, or softmax scores.
"""
import torch
from torch import nn

from .preprocess import PreprocessInGraph


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
        self.preprocess = PreprocessInGraph(classifier.data_preprocessor)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(images)
        logits = self.classifier.head(self.classifier.extract_feat(x))
        return logits.softmax(dim=1) if self.softmax else logits
