"""A detector's head outputs as an ONNX graph: the post-processing stays the head's own.

:class:`DetectorHeadExportWrapper` stops at the head: its outputs are the per-level class scores
``(N, C, H_l, W_l)`` and box-distribution logits ``(N, 4 * (reg_max + 1), H_l, W_l)``, so the
predictor (:mod:`.predictor`) decodes them with ``bbox_head.predict_by_feat`` and the head's
``test_cfg``, exactly as ``tools/test.py`` does. Input: as
:class:`~.detection.DetectorExportWrapper` takes it, ``(N, 3, H, W)`` float images in 0..255 in
the network's channel order (RGB when the data preprocessor converts BGR to RGB); mean and std
are in the graph.
"""
from typing import List, Sequence, Tuple

import torch
from torch import nn

from .export import DEFAULT_OPSET, export_onnx
from .preprocess import PreprocessInGraph


def head_output_names(num_levels: int) -> List[str]:
    """``cls_score0..`` then ``bbox_pred0..``: the output names of a head-outputs graph."""
    return ([f'cls_score{i}' for i in range(num_levels)] +
            [f'bbox_pred{i}' for i in range(num_levels)])


class DetectorHeadExportWrapper(nn.Module):
    """``forward(images) -> (*cls_scores, *bbox_preds)`` of an mmdet single-stage detector."""

    def __init__(self, detector: nn.Module) -> None:
        super().__init__()
        for attr in ('extract_feat', 'bbox_head'):
            if not hasattr(detector, attr):
                raise TypeError(f'DetectorHeadExportWrapper: expected an mmdet single-stage '
                                f'detector, got {type(detector).__name__} without `{attr}`')
        self.detector = detector.eval()
        self.preprocess = PreprocessInGraph(detector.data_preprocessor)

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        cls_scores, bbox_preds = self.detector.bbox_head(
            self.detector.extract_feat(self.preprocess(images)))
        return (*cls_scores, *bbox_preds)


def export_detector_head_onnx(detector: nn.Module, path: str, input_shape: Sequence[int],
                              opset: int = DEFAULT_OPSET) -> str:
    """Export ``detector``'s head outputs for a static ``(N, 3, H, W)`` input; returns ``path``."""
    num_levels = detector.bbox_head.prior_generator.num_levels
    example = torch.rand(*input_shape) * 255
    return export_onnx(DetectorHeadExportWrapper(detector), example, path,
                       output_names=head_output_names(num_levels), opset=opset)
