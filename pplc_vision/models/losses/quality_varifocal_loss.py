"""mmdet's VarifocalLoss taking GFL-style ``(labels, scores)`` targets, so that mmdet's
``GFLHead.loss_by_feat_single`` drives it unchanged (it calls the classification loss with
``(labels, IoU scores)`` and per-prior weights), and also taking probabilities
(``activated=True``, as mmdet's ``FocalLoss`` names it): PaddleDetection's
``VarifocalLoss(use_sigmoid=False)`` of PicoDet v2, whose scores are already
``sqrt(sigmoid(cls) * sigmoid(align))``. mmdet's ``VarifocalLoss`` refuses that case."""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F

from mmdet.models.losses import VarifocalLoss
from mmdet.models.losses.utils import weight_reduce_loss
from mmdet.registry import MODELS


def varifocal_loss_on_probabilities(prob: torch.Tensor, target: torch.Tensor, alpha: float,
                                    gamma: float, iou_weighted: bool) -> torch.Tensor:
    """Element-wise varifocal loss of probabilities ``prob`` against soft ``target``s: mmdet's
    ``varifocal_loss`` with binary cross-entropy on probabilities instead of logits (its log
    clamped at -100, as torch and Paddle both do)."""
    target = target.type_as(prob)
    positive = (target > 0.0).to(prob.dtype)
    focal_weight = (target if iou_weighted else 1.0) * positive + \
        alpha * (prob - target).abs().pow(gamma) * (1.0 - positive)
    return F.binary_cross_entropy(prob, target, reduction='none') * focal_weight


@MODELS.register_module()
class QualityVarifocalLoss(VarifocalLoss):
    """:class:`VarifocalLoss` whose target is either dense ``(N, C)`` soft scores or
    ``(labels, scores)``: each prior's IoU score at its label (``num_classes`` = background,
    all zeros).

    Args:
        activated: The predictions are probabilities (PaddleDetection's ``use_sigmoid=False``),
            not logits.
        **kwargs: :class:`VarifocalLoss` arguments (``use_sigmoid`` stays True: one
            sigmoid-type score per class).
    """

    def __init__(self, activated: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.activated = activated

    def forward(self, pred: torch.Tensor,
                target: Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]],
                weight: Optional[torch.Tensor] = None, avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        if isinstance(target, (tuple, list)):
            labels, scores = target
            dense = pred.new_zeros(pred.shape)
            pos = ((labels >= 0) & (labels < pred.size(1))).nonzero().squeeze(1)
            dense[pos, labels[pos]] = scores[pos].to(pred.dtype)
            target = dense
        if weight is not None and weight.dim() == 1:
            weight = weight[:, None].expand_as(pred)
        if not self.activated:
            return super().forward(pred, target, weight=weight, avg_factor=avg_factor,
                                   reduction_override=reduction_override)
        reduction = reduction_override or self.reduction
        loss = varifocal_loss_on_probabilities(pred, target, self.alpha, self.gamma,
                                               self.iou_weighted)
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
