"""A single-stage detector as a tensor-in graph: the head's maps, the decoded priors, or the
detections after the head's post-processing (selection and NMS written once, for both PicoDet
families).

Input of every graph: ``(N, 3, H, W)`` BGR images in 0..255, already resized (``H``, ``W``
multiples of the data preprocessor's pad_size_divisor); its swap, mean and std are inside
(:class:`~pplc_vision.deploy.preprocess.PreprocessInGraph`). Outputs:

- ``head``: per level the class scores ``(N, C, H_l, W_l)``, then the box-distribution logits
  ``(N, 4 * (reg_max + 1), H_l, W_l)`` (``cls_score0..``, ``bbox_pred0..``): the head's own
  ``predict_by_feat`` runs after the graph, with any ``test_cfg``;
- ``raw``: ``boxes (N, A, 4)`` (x1, y1, x2, y2 in input pixels; clipped unless the head's
  ``test_cfg`` says ``clip_boxes=False``) and sigmoid ``scores (N, A, C)`` of all ``A`` priors;
- ``nms`` (batch 1): ``boxes (K, 4)``, ``scores (K,)``, ``labels (K,)`` after the head's
  ``test_cfg``: candidates (mmdet's per-level top ``nms_pre`` above ``score_thr``, or with
  ``nms_pre_per_class`` PaddleDetection's per-class top ``nms_pre`` over all levels, the mask
  the head's own eager path uses), boxes not above ``min_bbox_size`` dropped, class-wise NMS
  (ONNX ``NonMaxSuppression``, :mod:`~pplc_vision.deploy.per_class_nms`), the ``max_per_img``
  best. Both families go through the same :class:`InGraphPostProcess`.

A head family is a decoder from its maps to per-prior boxes and scores (:data:`PRIOR_DECODERS`):
a new family adds its own there; the post-processing takes any ``(A, 4)`` boxes and ``(A, C)``
scores.
"""
from typing import Any, Callable, Dict, List, Sequence, Tuple

import torch
from mmdet.models.dense_heads import GFLHead
from torch import nn
from torch.onnx.operators import shape_as_tensor

from ...models.dense_heads import decode_gfl_priors
from ...models.dense_heads.pico_gfl_head import per_class_candidate_mask
from ..per_class_nms import per_class_nms
from ..preprocess import PreprocessInGraph
from .base import check_wrapped

GRAPH_OUTPUTS = ('head', 'raw', 'nms')
#: head class -> decoder (head, cls_scores, bbox_preds) -> (scores (N, A, C), boxes (N, A, 4))
PRIOR_DECODERS: Dict[type, Callable] = {GFLHead: decode_gfl_priors}
#: the test_cfg keys the ``nms`` graph applies
NMS_GRAPH_KEYS = ('nms_pre', 'score_thr', 'nms', 'max_per_img', 'min_bbox_size',
                  'nms_pre_per_class', 'clip_boxes')


def prior_decoder(head: nn.Module) -> Callable:
    """The decoder of ``head``'s family; a one-line TypeError for a head without one."""
    for family, decode in PRIOR_DECODERS.items():
        if isinstance(head, family):
            return decode
    raise TypeError(f'{type(head).__name__}: no in-graph decoding for this head family '
                    f'(known: {", ".join(c.__name__ for c in PRIOR_DECODERS)}); export its '
                    f'head outputs (--head-outputs)')


def graph_settings(test_cfg: Dict[str, Any]) -> Dict[str, Any]:
    """The post-processing a ``nms`` graph applies for ``test_cfg`` (defaults resolved as the
    heads resolve them): the values written into the graph and its contract."""
    per_class = bool(test_cfg.get('nms_pre_per_class', False))
    return dict(nms_pre=int(test_cfg.get('nms_pre', -1)),
                score_thr=float(test_cfg.get('score_thr', 0.0)),
                nms=dict(iou_threshold=float(test_cfg['nms']['iou_threshold'])),
                max_per_img=int(test_cfg.get('max_per_img', 100)),
                min_bbox_size=float(test_cfg.get('min_bbox_size', -1)),
                nms_pre_per_class=per_class,
                clip_boxes=bool(test_cfg.get('clip_boxes', not per_class)))


def head_output_names(num_levels: int) -> List[str]:
    """``cls_score0..`` then ``bbox_pred0..``: the output names of a ``head`` graph."""
    return ([f'cls_score{i}' for i in range(num_levels)] +
            [f'bbox_pred{i}' for i in range(num_levels)])


class InGraphPostProcess(nn.Module):
    """Candidates, size filter, class-wise NMS and ``max_per_img`` of one image's decoded priors:
    ``(boxes (A, 4), scores (A, C), level sizes) -> boxes (K, 4), scores (K,), labels (K,)``."""

    def __init__(self, settings: Dict[str, Any]) -> None:
        super().__init__()
        self.nms_pre = settings['nms_pre']
        self.score_thr = settings['score_thr']
        self.iou_thr = settings['nms']['iou_threshold']
        self.max_per_img = settings['max_per_img']
        self.min_bbox_size = settings['min_bbox_size']
        self.per_class = settings['nms_pre_per_class']

    def per_level(self, boxes: torch.Tensor, scores: torch.Tensor, level_sizes: Sequence[int]
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
        """mmdet's candidates (``filter_scores_and_topk`` per level): per level the top
        ``nms_pre`` (prior, class) pairs scoring above ``score_thr``, as boxes ``(K, 4)`` and a
        ``(C, K)`` score matrix with each pair's score in its class row.

        Only the scores above ``score_thr`` are ranked, their count taken from the graph
        (``Shape``), not from the tracing input: the same pairs as ranking all of a level's
        ``priors x classes`` scores, at a fraction of the cost."""
        num_classes = scores.shape[-1]
        out_boxes, out_scores, out_labels = [], [], []
        for level_boxes, level_scores in zip(boxes.split(level_sizes), scores.split(level_sizes)):
            flat = level_scores.reshape(-1)
            idx = (flat > self.score_thr).nonzero().squeeze(1)
            above = flat[idx]
            if self.nms_pre > 0:
                k = torch.clamp(shape_as_tensor(above)[0], max=self.nms_pre)
                above, order = above.topk(k)
                idx = idx[order]
            out_boxes.append(level_boxes[idx // num_classes])
            out_scores.append(above)
            out_labels.append(idx % num_classes)
        labels, kept = torch.cat(out_labels), torch.cat(out_scores)
        rows = torch.arange(num_classes, device=labels.device).unsqueeze(1)
        return torch.cat(out_boxes), torch.where(rows == labels.unsqueeze(0), kept.unsqueeze(0),
                                                 torch.zeros_like(kept).unsqueeze(0))

    def per_class_candidates(self, boxes: torch.Tensor, scores: torch.Tensor
                             ) -> Tuple[torch.Tensor, torch.Tensor]:
        """PaddleDetection's candidates (the PicoDet head's eager mask): per class the top
        ``nms_pre`` above ``score_thr`` over all levels; boxes ``(A, 4)``, scores ``(C, A)``."""
        keep = per_class_candidate_mask(scores, self.score_thr, self.nms_pre)
        return boxes, torch.where(keep, scores, torch.zeros_like(scores)).t()

    def forward(self, boxes: torch.Tensor, scores: torch.Tensor, level_sizes: Sequence[int]
                ) -> Tuple[torch.Tensor, ...]:
        if self.per_class:
            boxes, matrix = self.per_class_candidates(boxes, scores)
        else:
            boxes, matrix = self.per_level(boxes, scores, level_sizes)
        if self.min_bbox_size >= 0:
            wh = boxes[:, 2:] - boxes[:, :2]
            matrix = matrix * (wh > self.min_bbox_size).all(1).to(matrix.dtype).unsqueeze(0)
        selected = per_class_nms(boxes, matrix, self.max_per_img, self.iou_thr, self.score_thr)
        labels, index = selected[:, 0], selected[:, 1]
        kept = matrix[labels, index]
        order = kept.argsort(descending=True)[:self.max_per_img]
        return boxes[index[order]], kept[order], labels[order]


class DetectorExportWrapper(nn.Module):
    """Tensor-in/tensor-out view of an mmdet single-stage detector (see the module docstring).

    Args:
        detector: A built mmdet single-stage detector whose head has a prior decoder
            (:data:`PRIOR_DECODERS`; PicoDet's are ``GFLHead``\\ s).
        output: ``'nms'``, ``'raw'`` or ``'head'``.
        test_cfg: Post-processing settings; defaults to the head's ``test_cfg``.
    """

    def __init__(self, detector: nn.Module, output: str = 'nms',
                 test_cfg: Dict[str, Any] = None) -> None:
        super().__init__()
        check_wrapped('DetectorExportWrapper', detector, 'an mmdet single-stage detector',
                      ('extract_feat', 'bbox_head'), output, GRAPH_OUTPUTS)
        self.detector = detector.eval()
        self.output = output
        self.preprocess = PreprocessInGraph(detector.data_preprocessor)
        head = detector.bbox_head
        if output != 'head':
            self.decode_priors = prior_decoder(head)
            self.settings = graph_settings(dict(test_cfg if test_cfg is not None
                                                else head.test_cfg))
            self.post_process = InGraphPostProcess(self.settings)

    def head_maps(self, images: torch.Tensor) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """The head's per-level class scores and box-distribution logits."""
        return self.detector.bbox_head(self.detector.extract_feat(self.preprocess(images)))

    def decode(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, List[int]]:
        """Boxes ``(N, A, 4)`` (clipped to the image if ``clip_boxes``), scores ``(N, A, C)``
        and the number of priors per level."""
        cls_scores, bbox_preds = self.head_maps(images)
        scores, boxes = self.decode_priors(self.detector.bbox_head, cls_scores, bbox_preds)
        level_sizes = [c.shape[-2] * c.shape[-1] for c in cls_scores]
        if self.settings['clip_boxes']:
            height, width = images.shape[-2:]
            x = boxes[..., 0::2].clamp(0, width)
            y = boxes[..., 1::2].clamp(0, height)
            boxes = torch.stack([x[..., 0], y[..., 0], x[..., 1], y[..., 1]], -1)
        return boxes, scores, level_sizes

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        if self.output == 'head':
            cls_scores, bbox_preds = self.head_maps(images)
            return (*cls_scores, *bbox_preds)
        boxes, scores, level_sizes = self.decode(images)
        if self.output == 'raw':
            return boxes, scores
        if images.shape[0] != 1:
            raise ValueError(f'DetectorExportWrapper: NMS in the graph takes batch 1, '
                             f'got {images.shape[0]}')
        return self.post_process(boxes[0], scores[0], level_sizes)
