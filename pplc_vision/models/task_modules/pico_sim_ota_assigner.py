"""SimOTA with the later PicoDet's cost (PaddleDetection ``SimOTAAssigner(use_vfl=True)``).

cost = cls_weight x VFL(score, IoU-weighted one-hot) + iou_weight x (1 - GIoU)
       + a large penalty outside the box-and-centre region,
then mmdet's dynamic-k matching (top ``candidate_topk`` IoUs) picks the positives.
mmdet's own SimOTA uses BCE and -log(IoU) instead.
"""
import torch
from mmengine.structures import InstanceData

from mmdet.models.task_modules.assigners import AssignResult, SimOTAAssigner
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps

INF = 100000000.0


def varifocal_cost(scores: torch.Tensor, targets: torch.Tensor, alpha: float = 0.75,
                   gamma: float = 2.0, eps: float = 1e-12) -> torch.Tensor:
    """IoU-weighted varifocal loss of probabilities ``scores`` against ``targets``, summed over
    the last (class) axis."""
    scores = scores.clamp(eps, 1 - eps)
    bce = -(targets * scores.log() + (1 - targets) * (1 - scores).log())
    weight = torch.where(targets > 0, targets, alpha * (scores - targets).abs().pow(gamma))
    return (bce * weight).sum(-1)


@TASK_UTILS.register_module()
class PicoSimOTAAssigner(SimOTAAssigner):
    """:class:`SimOTAAssigner` with PicoDet's VFL + GIoU cost.

    ``pred_instances`` holds ``priors`` as points ``(x, y, stride_w, stride_h)``, ``bboxes``
    (decoded, image pixels) and ``scores`` (probabilities, ``(N, num_classes)``).

    Args:
        center_radius, candidate_topk, cls_weight, iou_weight: As in mmdet (PicoDet: 2.5, 10,
            1.0, 6.0).
        alpha, gamma: Varifocal parameters of the classification cost.
    """

    def __init__(self, center_radius: float = 2.5, candidate_topk: int = 10,
                 iou_weight: float = 6.0, cls_weight: float = 1.0, alpha: float = 0.75,
                 gamma: float = 2.0, **kwargs) -> None:
        super().__init__(center_radius=center_radius, candidate_topk=candidate_topk,
                         iou_weight=iou_weight, cls_weight=cls_weight, **kwargs)
        self.alpha = alpha
        self.gamma = gamma

    def assign(self, pred_instances: InstanceData, gt_instances: InstanceData,
               gt_instances_ignore=None, **kwargs) -> AssignResult:
        gt_bboxes, gt_labels = gt_instances.bboxes, gt_instances.labels
        bboxes, scores, priors = pred_instances.bboxes, pred_instances.scores, \
            pred_instances.priors
        num_gt, num_bboxes = gt_bboxes.size(0), bboxes.size(0)
        assigned_gt_inds = bboxes.new_zeros((num_bboxes, ), dtype=torch.long)
        assigned_labels = bboxes.new_full((num_bboxes, ), -1, dtype=torch.long)
        max_overlaps = bboxes.new_zeros((num_bboxes, ))
        if num_gt == 0 or num_bboxes == 0:
            return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=assigned_labels)
        valid_mask, in_box_and_centre = self.get_in_gt_and_in_center_info(priors, gt_bboxes)
        valid_bboxes, valid_scores = bboxes[valid_mask], scores[valid_mask]
        num_valid = valid_bboxes.size(0)
        if num_valid == 0:
            return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=assigned_labels)
        ious = self.iou_calculator(valid_bboxes, gt_bboxes)
        gious = bbox_overlaps(valid_bboxes, gt_bboxes, mode='giou')
        targets = valid_scores.new_zeros((num_valid, num_gt, valid_scores.size(-1)))
        targets[:, torch.arange(num_gt), gt_labels.long()] = ious
        cls_cost = varifocal_cost(valid_scores.unsqueeze(1).expand_as(targets), targets,
                                  self.alpha, self.gamma)
        cost = (cls_cost * self.cls_weight + (1 - gious) * self.iou_weight +
                (~in_box_and_centre) * INF)
        matched_ious, matched_gt_inds = self.dynamic_k_matching(cost, ious, num_gt, valid_mask)
        assigned_gt_inds[valid_mask] = matched_gt_inds + 1
        assigned_labels[valid_mask] = gt_labels[matched_gt_inds].long()
        max_overlaps = bboxes.new_full((num_bboxes, ), -INF)
        max_overlaps[valid_mask] = matched_ious
        return AssignResult(num_gt, assigned_gt_inds, max_overlaps, labels=assigned_labels)
