"""mmdet's VarifocalLoss taking GFL-style ``(labels, scores)`` targets, so that mmdet's
``GFLHead.loss_by_feat_single`` drives it unchanged (it calls the classification loss with
``(labels, IoU scores)`` and per-prior weights)."""
from typing import Optional, Tuple

import torch

from mmdet.models.losses import VarifocalLoss
from mmdet.registry import MODELS


@MODELS.register_module()
class QualityVarifocalLoss(VarifocalLoss):
    """:class:`VarifocalLoss` whose target is ``(labels, scores)``: each prior's IoU score at
    its label (``num_classes`` = background, all zeros)."""

    def forward(self, pred: torch.Tensor, target: Tuple[torch.Tensor, torch.Tensor],
                weight: Optional[torch.Tensor] = None, avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        labels, scores = target
        dense = pred.new_zeros(pred.shape)
        pos = ((labels >= 0) & (labels < pred.size(1))).nonzero().squeeze(1)
        dense[pos, labels[pos]] = scores[pos].to(pred.dtype)
        if weight is not None and weight.dim() == 1:
            weight = weight[:, None].expand_as(pred)
        return super().forward(pred, dense, weight=weight, avg_factor=avg_factor,
                               reduction_override=reduction_override)
