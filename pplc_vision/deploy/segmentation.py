"""A segmentor as a plain tensor-in/tensor-out module, for ONNX export.

mmseg's ``EncoderDecoder`` takes data samples; :class:`SegmentorExportWrapper` takes an image
batch and returns the logits at the input resolution (``(N, num_classes, H, W)``) or the label
map (``(N, H, W)``, int64). It runs the model's own normalisation (the data preprocessor's mean,
std and BGR-to-RGB swap), so its input is the image as mmseg loads it: BGR, 0..255, float.
"""
from typing import Optional, Sequence

import torch
from mmseg.models.utils import resize
from torch import nn

from .export import DEFAULT_OPSET, export_onnx
from .preprocess import PreprocessInGraph

OUTPUTS = ('logits', 'labels')


class SegmentorExportWrapper(nn.Module):
    """``forward(images) -> logits | labels`` of an mmseg ``EncoderDecoder`` (whole-image mode).

    Args:
        segmentor: A built mmseg ``EncoderDecoder`` (its weights loaded).
        output: ``'logits'`` (N, C, H, W) or ``'labels'`` (N, H, W), both at the input size.
        normalize: Apply the data preprocessor's channel swap, mean and std in the graph
            (input: BGR 0..255); ``False`` takes an already normalised batch.
    """

    def __init__(self, segmentor: nn.Module, output: str = 'logits',
                 normalize: bool = True) -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f'SegmentorExportWrapper: output must be one of {OUTPUTS}, '
                             f'got {output!r}')
        for attr in ('extract_feat', 'decode_head'):
            if not hasattr(segmentor, attr):
                raise TypeError(f'SegmentorExportWrapper: expected an mmseg EncoderDecoder, '
                                f'got {type(segmentor).__name__} without `{attr}`')
        self.segmentor = segmentor.eval()
        self.output = output
        self.normalize = normalize
        self.align_corners = segmentor.decode_head.align_corners
        self.preprocess = PreprocessInGraph(getattr(segmentor, 'data_preprocessor', None),
                                            enabled=normalize)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(images)
        logits = self.segmentor.decode_head(self.segmentor.extract_feat(x))
        logits = resize(logits, size=x.shape[2:], mode='bilinear',
                        align_corners=self.align_corners)
        return logits if self.output == 'logits' else logits.argmax(dim=1)


def export_segmentor_onnx(segmentor: nn.Module, path: str, input_shape: Sequence[int],
                          output: str = 'logits', dynamic: bool = False,
                          opset: int = DEFAULT_OPSET, normalize: bool = True,
                          example: Optional[torch.Tensor] = None) -> str:
    """Export ``segmentor`` to ONNX with an ``(N, 3, H, W)`` float input named ``input``.

    ``input_shape`` is ``(N, 3, H, W)``; ``dynamic`` makes batch, height and width dynamic.
    Returns ``path``.
    """
    wrapper = SegmentorExportWrapper(segmentor, output=output, normalize=normalize)
    if example is None:
        example = torch.rand(*input_shape) * 255
    axes = None
    if dynamic:
        axes = {'input': {0: 'batch', 2: 'height', 3: 'width'},
                'output': {0: 'batch', 1 if output == 'labels' else 2: 'height',
                           2 if output == 'labels' else 3: 'width'}}
    return export_onnx(wrapper, example, path, dynamic_axes=axes, opset=opset)
