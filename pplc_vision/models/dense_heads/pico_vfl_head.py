"""The later PicoDet head (arXiv 2111.00902): :class:`PicoGFLHead`'s layers (4 hard-swish blocks
per tower, 4 levels), SimOTA assignment on the current predictions, and a varifocal
classification loss.

The losses are still mmdet's ``GFLHead.loss_by_feat``: only the classification loss
(``QualityVarifocalLoss``) and the assigner (``PicoSimOTAAssigner``, fed this head's detached
predictions) change.
"""
from typing import List, Tuple

import torch
from mmengine.structures import InstanceData

from mmdet.registry import MODELS
from mmdet.utils import InstanceList, OptInstanceList

from .pico_gfl_head import PicoGFLHead

ConfigType = dict


class PredictionAwareAssigner:
    """Gives a prediction-based assigner (SimOTA) the priors as points plus one image's scores
    and decoded boxes, which ``GFLHead`` does not pass; ``pending`` holds them per image."""

    def __init__(self, assigner, octave_base_scale: float) -> None:
        self.assigner = assigner
        self.octave_base_scale = octave_base_scale
        self.pending: List[Tuple[torch.Tensor, torch.Tensor]] = []

    def assign(self, pred_instances: InstanceData, num_level_priors=None, gt_instances=None,
               gt_instances_ignore=None):
        scores, bboxes = self.pending.pop(0)
        anchors = pred_instances.priors
        if len(anchors) != len(bboxes):
            raise ValueError('PicoVFLHead: every prior must take part in assignment; set '
                             'train_cfg.allowed_border=-1')
        centres = (anchors[:, :2] + anchors[:, 2:]) / 2
        strides = (anchors[:, 2:] - anchors[:, :2]) / self.octave_base_scale
        return self.assigner.assign(
            InstanceData(priors=torch.cat([centres, strides], 1), bboxes=bboxes, scores=scores),
            gt_instances, gt_instances_ignore)


@MODELS.register_module()
class PicoVFLHead(PicoGFLHead):
    """PicoDet (2111.00902) head: 4-block hard-swish towers, SimOTA, VFL + GIoU + DFL.

    ``share_towers=False`` (a tower per level) is PaddleDetection's ``PicoFeat`` and gives the
    published 3.10M parameters of PicoDet-LCNet-1.5x; one shared tower gives 2.87M.

    Args:
        **kwargs: :class:`PicoGFLHead` arguments; the defaults here are PaddleDetection's.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 stacked_convs: int = 4,
                 share_towers: bool = False,
                 act_cfg: ConfigType = dict(type='HSwish'),
                 anchor_generator: ConfigType = dict(
                     type='AnchorGenerator', ratios=[1.0], octave_base_scale=5,
                     scales_per_octave=1, strides=[8, 16, 32, 64], center_offset=0.5),
                 loss_cls: ConfigType = dict(
                     type='QualityVarifocalLoss', use_sigmoid=True, alpha=0.75, gamma=2.0,
                     iou_weighted=True, loss_weight=1.0),
                 **kwargs) -> None:
        super().__init__(num_classes=num_classes, in_channels=in_channels,
                         stacked_convs=stacked_convs, share_towers=share_towers,
                         act_cfg=act_cfg, anchor_generator=anchor_generator, loss_cls=loss_cls,
                         **kwargs)
        if self.train_cfg:
            self.assigner = PredictionAwareAssigner(
                self.assigner, anchor_generator.get('octave_base_scale', 1))

    def decode_all(self, cls_scores: List[torch.Tensor],
                   bbox_preds: List[torch.Tensor]) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        """Per image: sigmoid scores ``(A, C)`` and decoded boxes ``(A, 4)`` of all priors."""
        priors = self.prior_generator.grid_priors(
            [c.shape[-2:] for c in cls_scores], dtype=cls_scores[0].dtype,
            device=cls_scores[0].device)
        out = []
        for i in range(cls_scores[0].size(0)):
            scores, boxes = [], []
            for cls_score, bbox_pred, level_priors, stride in zip(
                    cls_scores, bbox_preds, priors, self.prior_generator.strides):
                scores.append(cls_score[i].permute(1, 2, 0).reshape(-1, self.cls_out_channels))
                dist = self.integral(bbox_pred[i].permute(1, 2, 0)) * stride[0]
                boxes.append(self.bbox_coder.decode(self.anchor_center(level_priors), dist))
            out.append((torch.cat(scores).sigmoid(), torch.cat(boxes)))
        return out

    def loss_by_feat(self, cls_scores: List[torch.Tensor], bbox_preds: List[torch.Tensor],
                     batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        with torch.no_grad():
            self.assigner.pending = self.decode_all(
                [c.detach() for c in cls_scores], [b.detach() for b in bbox_preds])
        return super().loss_by_feat(cls_scores, bbox_preds, batch_gt_instances,
                                    batch_img_metas, batch_gt_instances_ignore)
