"""The later PicoDet head (arXiv 2111.00902): :class:`PicoGFLHead`'s layers (4 hard-swish blocks
per tower, 4 levels), SimOTA assignment on the current predictions, and a varifocal
classification loss.

As mmdet's ``RTMDetHead`` does, ``loss_by_feat`` decodes the batch's detached predictions
(:func:`decode_gfl_priors`) and ``get_targets`` hands each image's scores and boxes to
``_get_targets_single``, which runs the assigner (``PicoSimOTAAssigner``) on them. The losses
are mmdet's ``GFLHead.loss_by_feat_single`` (``QualityVarifocalLoss``, GIoU, DFL).
"""
from typing import List, Optional, Sequence

import torch
from mmengine.structures import InstanceData

from mmdet.models.task_modules.prior_generators import anchor_inside_flags
from mmdet.models.utils import images_to_levels, multi_apply, unmap
from mmdet.registry import MODELS
from mmdet.utils import InstanceList, OptInstanceList, reduce_mean

from .gfl_decode import decode_gfl_priors
from .pico_gfl_head import PicoGFLHead

ConfigType = dict


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

    def loss_by_feat(self, cls_scores: List[torch.Tensor], bbox_preds: List[torch.Tensor],
                     batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """``GFLHead.loss_by_feat`` with targets assigned on this batch's predictions."""
        device = cls_scores[0].device
        anchor_list, valid_flag_list = self.get_anchors(
            [c.shape[-2:] for c in cls_scores], batch_img_metas, device=device)
        scores, bboxes = decode_gfl_priors(
            self, [c.detach() for c in cls_scores], [b.detach() for b in bbox_preds])
        batch_pred_instances = [InstanceData(scores=s, bboxes=b) for s, b in zip(scores, bboxes)]
        anchor_list, labels_list, label_weights_list, bbox_targets_list, _, avg_factor = \
            self.get_targets(anchor_list, valid_flag_list, batch_pred_instances,
                             batch_gt_instances, batch_img_metas, batch_gt_instances_ignore)
        avg_factor = reduce_mean(
            torch.tensor(avg_factor, dtype=torch.float, device=device)).item()
        losses_cls, losses_bbox, losses_dfl, weight_sums = multi_apply(
            self.loss_by_feat_single, anchor_list, cls_scores, bbox_preds, labels_list,
            label_weights_list, bbox_targets_list, self.prior_generator.strides,
            avg_factor=avg_factor)
        weight_sum = reduce_mean(sum(weight_sums)).clamp_(min=1).item()
        return dict(loss_cls=losses_cls, loss_bbox=[loss / weight_sum for loss in losses_bbox],
                    loss_dfl=[loss / weight_sum for loss in losses_dfl])

    def get_targets(self, anchor_list: List[List[torch.Tensor]],
                    valid_flag_list: List[List[torch.Tensor]],
                    batch_pred_instances: InstanceList, batch_gt_instances: InstanceList,
                    batch_img_metas: List[dict],
                    batch_gt_instances_ignore: OptInstanceList = None,
                    unmap_outputs: bool = True) -> tuple:
        """``GFLHead.get_targets``, passing each image's predictions (``scores``, ``bboxes``
        over all priors) to :meth:`_get_targets_single`."""
        num_imgs = len(batch_img_metas)
        num_level_anchors = [anchors.size(0) for anchors in anchor_list[0]]
        if batch_gt_instances_ignore is None:
            batch_gt_instances_ignore = [None] * num_imgs
        (all_anchors, all_labels, all_label_weights, all_bbox_targets, all_bbox_weights, _, _,
         sampling_results) = multi_apply(
             self._get_targets_single, [torch.cat(a) for a in anchor_list],
             [torch.cat(v) for v in valid_flag_list], [num_level_anchors] * num_imgs,
             batch_pred_instances, batch_gt_instances, batch_img_metas,
             batch_gt_instances_ignore, unmap_outputs=unmap_outputs)
        avg_factor = sum(result.avg_factor for result in sampling_results)
        return tuple(images_to_levels(targets, num_level_anchors) for targets in (
            all_anchors, all_labels, all_label_weights, all_bbox_targets,
            all_bbox_weights)) + (avg_factor, )

    def _get_targets_single(self, flat_anchors: torch.Tensor, valid_flags: torch.Tensor,
                            num_level_anchors: Sequence[int], pred_instances: InstanceData,
                            gt_instances: InstanceData, img_meta: dict,
                            gt_instances_ignore: Optional[InstanceData] = None,
                            unmap_outputs: bool = True) -> tuple:
        """``GFLHead._get_targets_single`` with SimOTA on one image's predictions: the assigner
        gets the priors inside the image as points ``(x, y, stride_w, stride_h)`` with their
        ``scores`` and decoded ``bboxes``."""
        inside_flags = anchor_inside_flags(flat_anchors, valid_flags, img_meta['img_shape'][:2],
                                           self.train_cfg['allowed_border'])
        if not inside_flags.any():
            raise ValueError(f'{type(self).__name__}: no prior lies inside the image; check the '
                             f'image and prior sizes or set train_cfg.allowed_border=-1')
        anchors = flat_anchors[inside_flags]
        strides = torch.cat([flat_anchors.new_tensor(stride).expand(num, 2) for stride, num in
                             zip(self.prior_generator.strides, num_level_anchors)])
        points = torch.cat([self.anchor_center(anchors), strides[inside_flags]], 1)
        assign_result = self.assigner.assign(
            InstanceData(priors=points, scores=pred_instances.scores[inside_flags],
                         bboxes=pred_instances.bboxes[inside_flags]),
            gt_instances, gt_instances_ignore)
        sampling_result = self.sampler.sample(assign_result, InstanceData(priors=anchors),
                                              gt_instances)

        num_valid = anchors.shape[0]
        bbox_targets = torch.zeros_like(anchors)
        bbox_weights = torch.zeros_like(anchors)
        labels = anchors.new_full((num_valid, ), self.num_classes, dtype=torch.long)
        label_weights = anchors.new_zeros(num_valid, dtype=torch.float)
        pos_inds, neg_inds = sampling_result.pos_inds, sampling_result.neg_inds
        if len(pos_inds) > 0:
            bbox_targets[pos_inds, :] = sampling_result.pos_gt_bboxes.to(bbox_targets.dtype)
            bbox_weights[pos_inds, :] = 1.0
            labels[pos_inds] = sampling_result.pos_gt_labels
            pos_weight = self.train_cfg['pos_weight']
            label_weights[pos_inds] = 1.0 if pos_weight <= 0 else pos_weight
        if len(neg_inds) > 0:
            label_weights[neg_inds] = 1.0
        if unmap_outputs:
            num_total = flat_anchors.size(0)
            anchors = unmap(anchors, num_total, inside_flags)
            labels = unmap(labels, num_total, inside_flags, fill=self.num_classes)
            label_weights = unmap(label_weights, num_total, inside_flags)
            bbox_targets = unmap(bbox_targets, num_total, inside_flags)
            bbox_weights = unmap(bbox_weights, num_total, inside_flags)
        return (anchors, labels, label_weights, bbox_targets, bbox_weights, pos_inds, neg_inds,
                sampling_result)
