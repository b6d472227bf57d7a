"""A tensor-in wrapper of a PicoDet (any mmdet ``GFLHead``-based) detector, for ONNX export.

Input: ``(N, 3, H, W)`` float RGB images in 0..255, already resized (``H``, ``W`` multiples of
the largest stride); normalisation happens inside. Output, without NMS: ``boxes (N, A, 4)``
(x1, y1, x2, y2 in input pixels, clipped unless the head's ``test_cfg`` says otherwise) and
``scores (N, A, C)`` over all ``A`` priors; with NMS (batch 1): ``boxes (K, 4)``, ``scores (K,)``,
``labels (K,)`` after the head's post-processing (mmdet's: per-level top ``nms_pre`` above
``score_thr``; or, with ``nms_pre_per_class``, PaddleDetection's: per-class top ``nms_pre`` over all
levels; then class-aware NMS, ``max_per_img``). The boxes
and scores of all priors come from :func:`~pplc_vision.models.dense_heads.decode_gfl_priors`,
the decoding the PicoDet heads use for SimOTA.
"""
from typing import Optional, Sequence, Tuple

import torch
from torch import nn
from torch.onnx.operators import shape_as_tensor
from torchvision.ops import nms

from ..models.dense_heads import decode_gfl_priors
from ..models.dense_heads.pico_gfl_head import per_class_candidate_mask
from .per_class_nms import per_class_nms


class DetectorExportWrapper(nn.Module):
    """Tensor-in/tensor-out view of an mmdet single-stage GFL detector.

    Args:
        detector: A built mmdet detector whose ``bbox_head`` is a ``GFLHead`` (e.g. PicoDet).
        with_nms: Put score filtering, top-k and class-aware NMS in the graph.
        test_cfg: Post-processing settings; defaults to the head's ``test_cfg``.
    """

    def __init__(self, detector: nn.Module, with_nms: bool = True,
                 test_cfg: Optional[dict] = None) -> None:
        super().__init__()
        head = detector.bbox_head
        if not hasattr(head, 'integral') or not hasattr(head, 'prior_generator'):
            raise TypeError(f'DetectorExportWrapper: expected a GFL-style head, got '
                            f'{type(head).__name__}')
        self.detector = detector
        self.with_nms = with_nms
        cfg = dict(test_cfg if test_cfg is not None else head.test_cfg)
        self.nms_pre = int(cfg.get('nms_pre', -1))
        self.score_thr = float(cfg.get('score_thr', 0.0))
        self.iou_thr = float(cfg['nms']['iou_threshold'])
        self.max_per_img = int(cfg.get('max_per_img', 100))
        self.min_bbox_size = float(cfg.get('min_bbox_size', -1))
        self.nms_pre_per_class = bool(cfg.get('nms_pre_per_class', False))
        self.clip_boxes = bool(cfg.get('clip_boxes', not self.nms_pre_per_class))
        pre = detector.data_preprocessor
        self.register_buffer('mean', pre.mean.detach().clone().reshape(1, -1, 1, 1))
        self.register_buffer('std', pre.std.detach().clone().reshape(1, -1, 1, 1))

    def decode(self, img: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, Sequence[int]]:
        """Boxes ``(N, A, 4)`` (clipped to the image if ``clip_boxes``), sigmoid scores
        ``(N, A, C)`` and the number of priors per level."""
        head = self.detector.bbox_head
        cls_scores, bbox_preds = head(self.detector.extract_feat((img - self.mean) / self.std))
        scores, boxes = decode_gfl_priors(head, cls_scores, bbox_preds)
        level_sizes = [c.shape[-2] * c.shape[-1] for c in cls_scores]
        if not self.clip_boxes:
            return boxes, scores, level_sizes
        height, width = img.shape[-2:]
        x = boxes[..., 0::2].clamp(0, width)
        y = boxes[..., 1::2].clamp(0, height)
        boxes = torch.stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]], -1)
        return boxes, scores, level_sizes

    def _select(self, boxes: torch.Tensor, scores: torch.Tensor,
                level_sizes: Sequence[int]) -> Tuple[torch.Tensor, ...]:
        """Per level: the top ``nms_pre`` (prior, class) pairs scoring above ``score_thr``.

        The scores above ``score_thr`` are taken first and only they are ranked: the same
        pairs as ranking all of a level's ``priors x classes`` scores and then dropping those
        at or below ``score_thr``, at a fraction of the cost (a trained detector has a few
        thousand pairs above the threshold out of ~290k at 416x416)."""
        num_classes = scores.shape[-1]
        out_boxes, out_scores, out_labels = [], [], []
        for level_boxes, level_scores in zip(boxes.split(level_sizes), scores.split(level_sizes)):
            flat = level_scores.reshape(-1)
            idx = (flat > self.score_thr).nonzero().squeeze(1)
            above = flat[idx]
            if self.nms_pre > 0:  # the count is the graph's (Shape), not the tracing input's
                k = torch.clamp(shape_as_tensor(above)[0], max=self.nms_pre)
                above, order = above.topk(k)
                idx = idx[order]
            out_boxes.append(level_boxes[idx // num_classes])
            out_scores.append(above)
            out_labels.append(idx % num_classes)
        return torch.cat(out_boxes), torch.cat(out_scores), torch.cat(out_labels)

    def _per_class_post_process(self, boxes: torch.Tensor, scores: torch.Tensor
                                ) -> Tuple[torch.Tensor, ...]:
        """PaddleDetection's: per class the top ``nms_pre`` above ``score_thr`` over all levels,
        NMS within each class (ONNX ``NonMaxSuppression``), the ``max_per_img`` best."""
        keep = per_class_candidate_mask(scores, self.score_thr, self.nms_pre)
        if self.min_bbox_size >= 0:
            wh = boxes[:, 2:] - boxes[:, :2]
            keep = keep & (wh > self.min_bbox_size).all(1, keepdim=True)
        selected = per_class_nms(boxes, torch.where(keep, scores, torch.zeros_like(scores)).t(),
                                 self.max_per_img, self.iou_thr, self.score_thr)
        labels, prior = selected[:, 0], selected[:, 1]
        kept_scores = scores[prior, labels]
        order = kept_scores.argsort(descending=True)[:self.max_per_img]
        return boxes[prior[order]], kept_scores[order], labels[order]

    def forward(self, img: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        boxes, scores, level_sizes = self.decode(img)
        if not self.with_nms:
            return boxes, scores
        if img.shape[0] != 1:
            raise ValueError(f'DetectorExportWrapper: NMS in the graph takes batch 1, '
                             f'got {img.shape[0]}')
        if self.nms_pre_per_class:
            return self._per_class_post_process(boxes[0], scores[0])
        boxes, scores, labels = self._select(boxes[0], scores[0], level_sizes)
        if self.min_bbox_size >= 0:
            wh = boxes[:, 2:] - boxes[:, :2]
            big = (wh > self.min_bbox_size).all(1)
            boxes, scores, labels = boxes[big], scores[big], labels[big]
        # class-aware NMS as mmcv's batched_nms: offset each class's boxes apart by more than
        # the largest coordinate (a zero appended: the candidates may be none)
        largest = torch.cat([boxes.reshape(-1).abs(), boxes.new_zeros(1)]).max()
        offsets = labels.to(boxes.dtype).unsqueeze(1) * (largest + 1)
        keep = nms(boxes + offsets, scores, self.iou_thr)[:self.max_per_img]
        return boxes[keep], scores[keep], labels[keep]
