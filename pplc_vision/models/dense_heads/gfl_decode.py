"""Scores and boxes of every prior of a GFL head, from mmdet's own pieces.

mmdet's ``GFLHead._predict_by_feat_single`` decodes per image and only the priors that pass the
score filter; SimOTA (:class:`PicoVFLHead`) and the ONNX export wrapper need all priors of a
batch. Both use :func:`decode_gfl_priors`, built from the head's ``prior_generator``,
``integral``, ``anchor_center`` and ``bbox_coder``, so the numbers are mmdet's.
"""
from typing import Sequence, Tuple

import torch
from mmdet.models.dense_heads import GFLHead


def decode_gfl_priors(head: GFLHead, cls_scores: Sequence[torch.Tensor],
                      bbox_preds: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Scores ``(N, A, C)`` and boxes ``(N, A, 4)`` of all ``A`` priors.

    Args:
        head: A ``GFLHead`` (or subclass) with one prior per location. Its ``cls_scores`` are
            logits (the scores are their sigmoid), or probabilities already when the head says
            so with ``scores_are_probabilities = True`` (PicoDet v2).
        cls_scores: Per level ``(N, C, H, W)`` class/quality scores, as ``head`` returns them.
        bbox_preds: Per level ``(N, 4 * (reg_max + 1), H, W)`` box distribution logits.

    Returns:
        Scores and boxes ``x1, y1, x2, y2`` in input pixels (not clipped), levels in order and
        each level row-major, the order of ``head.prior_generator.grid_priors``.
    """
    priors = head.prior_generator.grid_priors(
        [c.shape[-2:] for c in cls_scores], dtype=cls_scores[0].dtype,
        device=cls_scores[0].device)
    activate = not getattr(head, 'scores_are_probabilities', False)
    scores, boxes = [], []
    for cls_score, bbox_pred, level_priors, stride in zip(
            cls_scores, bbox_preds, priors, head.prior_generator.strides):
        n = cls_score.shape[0]
        score = cls_score.permute(0, 2, 3, 1).reshape(n, -1, head.cls_out_channels)
        scores.append(score.sigmoid() if activate else score)
        dist = head.integral(bbox_pred.permute(0, 2, 3, 1)).reshape(n, -1, 4) * stride[0]
        centres = head.anchor_center(level_priors).unsqueeze(0).expand(n, -1, -1)
        boxes.append(head.bbox_coder.decode(centres, dist))
    return torch.cat(scores, 1), torch.cat(boxes, 1)
