"""The two assigners of PicoDet v2 as PaddleDetection runs them (``ppdet/modeling/assigners``:
``ATSSAssigner`` with predicted boxes, ``TaskAlignedAssigner``), one image at a time.

Both return soft scores for the classification target (``assign_result.get_extra_property(
'soft_scores')``, 0 for negatives), which is where they differ most from mmdet's stock ones:

- ATSS: the IoU of the prior's *predicted* box with its ground truth (mmdet: hard labels);
- task-aligned: ``t / max(t over the gt's positives) * max(IoU over the gt's positives)`` with
  ``t = score ** alpha * IoU ** beta`` (mmdet's ``TaskAlignedAssigner`` returns ``t`` and leaves
  the normalisation to the head).

Other details follow ppdet too, as mmdet does them differently: a prior's centre must lie
strictly inside the box (by more than 1e-9, mmdet 0.01); ATSS keeps candidates whose IoU is
*above* mean + std (mmdet: at or above); the task-aligned top-k runs over the priors inside the
box only (mmdet: over all priors, then drops the outside ones); a prior positive for several
boxes goes to the box of largest IoU among *all* boxes (mmdet: among those it is positive for).
"""
from typing import List, Optional, Tuple

import torch
from mmengine.structures import InstanceData

from mmdet.models.task_modules.assigners import AssignResult, BaseAssigner
from mmdet.registry import TASK_UTILS


def paddle_iou(boxes1: torch.Tensor, boxes2: torch.Tensor, eps: float) -> torch.Tensor:
    """``(M, N)`` IoU as ppdet's ``iou_similarity`` (``eps`` added to the union)."""
    lt = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    overlap = (rb - lt).clamp(min=0).prod(-1)
    area1 = (boxes1[:, 2:] - boxes1[:, :2]).clamp(min=0).prod(-1)
    area2 = (boxes2[:, 2:] - boxes2[:, :2]).clamp(min=0).prod(-1)
    return overlap / (area1[:, None] + area2[None] - overlap + eps)


def centres_inside(points: torch.Tensor, boxes: torch.Tensor, eps: float = 1e-9
                   ) -> torch.Tensor:
    """``(G, A)``: point ``a`` lies inside box ``g`` by more than ``eps`` on every side."""
    lt = points[None] - boxes[:, None, :2]
    rb = boxes[:, None, 2:] - points[None]
    return torch.cat([lt, rb], -1).min(-1).values > eps


def one_box_per_prior(positive: torch.Tensor, ious: torch.Tensor) -> torch.Tensor:
    """``positive`` ``(G, A)`` with each prior positive for several boxes kept for the box of
    largest IoU among all boxes (ppdet's ``compute_max_iou_anchor``)."""
    several = positive.sum(0) > 1
    if not several.any():
        return positive
    best = torch.zeros_like(positive)
    best[ious.argmax(0), torch.arange(ious.shape[1], device=ious.device)] = True
    return torch.where(several[None], best, positive)


def assign_result(positive: torch.Tensor, gt_labels: torch.Tensor, overlaps: torch.Tensor,
                  soft_scores: torch.Tensor) -> AssignResult:
    """The :class:`AssignResult` of a ``(G, A)`` positive mask (at most one box per prior):
    1-based ``gt_inds``, ``labels`` (-1 for negatives), ``max_overlaps`` (``overlaps`` at the
    assigned box) and the extra property ``soft_scores``, all ``(A,)``."""
    num_gts, num_priors = positive.shape
    is_pos = positive.any(0)
    gt_index = positive.to(torch.uint8).argmax(0)
    gt_inds = torch.where(is_pos, gt_index + 1, torch.zeros_like(gt_index))
    labels = torch.where(is_pos, gt_labels[gt_index].long(), gt_index.new_full((), -1))
    columns = torch.arange(num_priors, device=positive.device)
    max_overlaps = torch.where(is_pos, overlaps[gt_index, columns], overlaps.new_zeros(()))
    result = AssignResult(num_gts, gt_inds, max_overlaps, labels=labels)
    result.set_extra_property('soft_scores', torch.where(is_pos, soft_scores,
                                                         soft_scores.new_zeros(())))
    return result


def empty_result(num_priors: int, like: torch.Tensor) -> AssignResult:
    """Every prior negative (an image without boxes)."""
    zeros = like.new_zeros(num_priors)
    result = AssignResult(0, zeros.long(), zeros, labels=zeros.long() - 1)
    result.set_extra_property('soft_scores', zeros)
    return result


@TASK_UTILS.register_module()
class PicoATSSAssigner(BaseAssigner):
    """ATSS as PicoDet v2 runs it in its first epochs (ppdet ``ATSSAssigner`` given the predicted
    boxes): the ``topk`` priors nearest each box's centre per level are candidates, those with
    anchor IoU above the candidates' mean + std and centre inside the box are positives, and a
    positive's soft score is the IoU of its predicted box with its ground truth.

    ``pred_instances``: ``priors`` (anchor boxes, ``(A, 4)``, PicoDet's ``grid_cell_scale`` x
    stride squares) and ``bboxes`` (decoded predictions in image pixels, ``(A, 4)``).

    Args:
        topk: Candidates per level and box (9; 4 in PicoDet-S-192 pedestrian).
        eps: IoU epsilons of ppdet (anchor IoU 1e-10, predicted-box IoU 1e-9).
    """

    def __init__(self, topk: int = 9, eps: Tuple[float, float] = (1e-10, 1e-9)) -> None:
        self.topk = topk
        self.eps = eps

    def assign(self, pred_instances: InstanceData, num_level_priors: List[int],
               gt_instances: InstanceData, gt_instances_ignore: Optional[InstanceData] = None
               ) -> AssignResult:
        anchors, pred_boxes = pred_instances.priors, pred_instances.bboxes
        gt_boxes, gt_labels = gt_instances.bboxes, gt_instances.labels
        if len(gt_boxes) == 0:
            return empty_result(len(anchors), anchors)
        ious = paddle_iou(gt_boxes, anchors, self.eps[0])
        gt_centres = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
        anchor_centres = (anchors[:, :2] + anchors[:, 2:]) / 2
        distances = (gt_centres[:, None] - anchor_centres[None]).norm(dim=-1)
        candidates = []
        for start, level in zip(torch.tensor([0] + num_level_priors[:-1]).cumsum(0).tolist(),
                                distances.split(num_level_priors, 1)):
            if level.shape[1] < self.topk:
                raise ValueError(f'PicoATSSAssigner: topk {self.topk} is more than the '
                                 f'{level.shape[1]} priors of a level (image too small)')
            candidates.append(level.topk(self.topk, dim=1, largest=False).indices + start)
        candidates = torch.cat(candidates, 1)
        candidate_ious = ious.gather(1, candidates)
        threshold = candidate_ious.mean(1, keepdim=True) + candidate_ious.std(1, keepdim=True)
        is_candidate = torch.zeros_like(ious, dtype=torch.bool).scatter_(1, candidates, True)
        positive = is_candidate & (ious > threshold) & centres_inside(anchor_centres, gt_boxes)
        positive = one_box_per_prior(positive, ious)
        pred_ious = paddle_iou(gt_boxes, pred_boxes, self.eps[1])
        soft_scores = (pred_ious * positive).max(0).values
        return assign_result(positive, gt_labels, pred_ious, soft_scores)


@TASK_UTILS.register_module()
class PicoTaskAlignedAssigner(BaseAssigner):
    """TOOD's task-aligned assignment as PicoDet v2 runs it after ``static_assigner_epoch``
    (ppdet ``TaskAlignedAssigner``): per box, the ``topk`` priors inside it with the largest
    ``score ** alpha * IoU ** beta`` (score: the predicted probability of the box's class, IoU:
    of the predicted box) are positives; soft scores are that metric rescaled per box so that
    its best positive gets the box's best IoU.

    ``pred_instances``: ``priors`` (anchor boxes or points; their centres are used), ``bboxes``
    (decoded predictions, image pixels) and ``scores`` (probabilities, ``(A, C)``).

    Args:
        topk: Positives per box (13).
        alpha, beta: Exponents of score and IoU (1, 6).
        eps: ppdet's epsilon of the IoU and of the rescaling (1e-9).
    """

    def __init__(self, topk: int = 13, alpha: float = 1.0, beta: float = 6.0,
                 eps: float = 1e-9) -> None:
        self.topk = topk
        self.alpha = alpha
        self.beta = beta
        self.eps = eps

    def assign(self, pred_instances: InstanceData, num_level_priors: List[int],
               gt_instances: InstanceData, gt_instances_ignore: Optional[InstanceData] = None
               ) -> AssignResult:
        priors, pred_boxes, scores = (pred_instances.priors, pred_instances.bboxes,
                                      pred_instances.scores)
        gt_boxes, gt_labels = gt_instances.bboxes, gt_instances.labels
        if len(gt_boxes) == 0:
            return empty_result(len(priors), priors)
        points = priors if priors.shape[1] == 2 else (priors[:, :2] + priors[:, 2:]) / 2
        ious = paddle_iou(gt_boxes, pred_boxes, self.eps)
        metrics = scores[:, gt_labels.long()].t().pow(self.alpha) * ious.pow(self.beta)
        inside = centres_inside(points, gt_boxes)
        top = (metrics * inside).topk(min(self.topk, metrics.shape[1]), dim=1).indices
        positive = torch.zeros_like(inside).scatter_(1, top, True) & inside
        positive = one_box_per_prior(positive, ious)
        metrics = metrics * positive
        rescale = (ious * positive).max(1, keepdim=True).values / \
            (metrics.max(1, keepdim=True).values + self.eps)
        soft_scores = (metrics * rescale).max(0).values
        return assign_result(positive, gt_labels, ious, soft_scores)
