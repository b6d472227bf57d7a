"""PicoDet v2's head (PaddleDetection ``PicoHeadV2`` with ``PicoFeat(use_se=True,
share_cls_reg=True)``, ``ppdet/modeling/heads/pico_head.py``, 2022).

Per level: a tower of ``stacked_convs`` depthwise-separable blocks (:class:`PicoGFLHead`'s), an
SE gate on the tower's output (:class:`PicoSE`), 1x1 ``head_cls`` and ``head_reg`` convs on the
gated feature, and an alignment branch ``cls_align`` on the tower's output (a dense ``k x k``
conv to one channel + BN + act, then 1x1 conv + BN). The class score is the probability
``sqrt(sigmoid(cls) * sigmoid(align) + eps)`` (``scores_are_probabilities``); boxes are GFL's
(DFL integral over ``0..reg_max``, priors at cell offset 0.5), and PaddleDetection's
post-processing is :class:`PicoGFLHead`'s ``nms_pre_per_class`` path.

Training as ppdet's ``PicoHeadV2.get_loss``: :class:`~..task_modules.PicoATSSAssigner` for the
first ``train_cfg.initial_epoch`` epochs (upstream ``static_assigner_epoch``), then
:class:`~..task_modules.PicoTaskAlignedAssigner`; varifocal loss on the probabilities against
the assigners' soft scores, GIoU (in stride units) and DFL weighted by each positive's soft
score, all three divided by the sum of the soft scores over the batch (averaged over
processes and clipped at 1 only when training on several).
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.dist import get_world_size
from mmengine.logging import MessageHub
from mmengine.model import bias_init_with_prob, kaiming_init, normal_init
from mmengine.structures import InstanceData
from torch import nn

from mmdet.models.utils import multi_apply
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures.bbox import bbox2distance
from mmdet.utils import InstanceList, OptInstanceList, reduce_mean

from .gfl_decode import decode_gfl_priors
from .pico_gfl_head import PicoGFLHead

ConfigType = dict

#: PicoDet v2 sizes: (PP-LCNet width, LCPAN and head channels, blocks per head tower), as
#: PaddleDetection's configs/picodet/picodet_{xs,s,m,l}_*_coco_lcnet.yml set LCNet.scale,
#: LCPAN.out_channels and PicoFeat.num_convs (M: _base_/picodet_v2.yml's own values).
PICODET_V2_ARCHS = {
    'XS': (0.35, 96, 2),
    'S': (0.75, 96, 2),
    'M': (1.5, 128, 4),
    'L': (2.0, 160, 4),
}


class PicoSE(nn.Module):
    """PicoDet v2's gate of a tower's output: ``x * sigmoid(fc(mean(x)))`` (one 1x1 conv with
    bias, no squeeze), then a 1x1 conv + BN + act (ppdet ``PicoSE`` and the activation
    ``PicoFeat`` applies after it)."""

    def __init__(self, channels: int, norm_cfg: ConfigType, act_cfg: ConfigType) -> None:
        super().__init__()
        self.fc = nn.Conv2d(channels, channels, 1)
        self.conv = ConvModule(channels, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x * self.fc(F.adaptive_avg_pool2d(x, 1)).sigmoid())


@MODELS.register_module()
class PicoHeadV2(PicoGFLHead):
    """PicoDet v2 head: per-level towers with SE, separate class/box convs, an alignment
    branch, scores as probabilities; ATSS then task-aligned assignment, VFL + GIoU + DFL.

    Args:
        num_classes: Number of object classes.
        in_channels: Channels of every input level (= ``feat_channels`` upstream).
        feat_channels: Channels of the towers (96 for PicoDet-XS/S, 128 for M, 160 for L).
        stacked_convs: Depthwise-separable blocks per tower (2 for XS/S, 4 for M/L).
        kernel_size: Kernel of the towers' depthwise convs and of the alignment branch.
        act_cfg: Activation of towers, SE output and alignment branch (hard-swish).
        score_eps: The ``eps`` inside the score's square root (ppdet's 1e-9).
        anchor_generator: One ``grid_cell_scale`` x stride square per location (5, strides 8,
            16, 32, 64, offset 0.5): ATSS's anchors and, through their centres, every prior.
        loss_cls, loss_bbox, loss_dfl: Varifocal on probabilities (1.0), GIoU (2.5), DFL (0.5).
        train_cfg: ``initial_epoch`` (upstream ``static_assigner_epoch``), ``initial_assigner``
            (ATSS) and ``assigner`` (task-aligned).
        **kwargs: :class:`PicoGFLHead` arguments (``norm_cfg``, ``reg_max``, ``test_cfg``, ...).
    """

    scores_are_probabilities = True

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 feat_channels: int = 128,
                 stacked_convs: int = 4,
                 kernel_size: int = 5,
                 act_cfg: ConfigType = dict(type='HSwish'),
                 score_eps: float = 1e-9,
                 anchor_generator: ConfigType = dict(
                     type='AnchorGenerator', ratios=[1.0], octave_base_scale=5,
                     scales_per_octave=1, strides=[8, 16, 32, 64], center_offset=0.5),
                 loss_cls: ConfigType = dict(
                     type='QualityVarifocalLoss', use_sigmoid=True, activated=True, alpha=0.75,
                     gamma=2.0, iou_weighted=True, loss_weight=1.0),
                 loss_bbox: ConfigType = dict(type='GIoULoss', loss_weight=2.5),
                 loss_dfl: ConfigType = dict(type='DistributionFocalLoss', loss_weight=0.5),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        self.score_eps = score_eps
        super().__init__(
            num_classes=num_classes, in_channels=in_channels, feat_channels=feat_channels,
            stacked_convs=stacked_convs, kernel_size=kernel_size, share_towers=False,
            act_cfg=act_cfg, anchor_generator=anchor_generator, loss_cls=loss_cls,
            loss_bbox=loss_bbox, loss_dfl=loss_dfl, init_cfg=init_cfg, **kwargs)
        if self.train_cfg:
            self.initial_epoch = int(self.train_cfg['initial_epoch'])
            self.initial_assigner = TASK_UTILS.build(self.train_cfg['initial_assigner'])

    def _init_layers(self) -> None:
        """Per level: tower, SE, ``head_cls``, ``head_reg`` and the alignment branch."""
        if self.num_anchors != 1:
            raise ValueError(f'{type(self).__name__}: one prior per location is required, '
                             f'the anchor generator gives {self.num_anchors}')
        levels = range(self.prior_generator.num_levels)
        feat, layer = self.feat_channels, dict(norm_cfg=self.norm_cfg, conv_cfg=self.conv_cfg)
        self.towers = nn.ModuleList(self._build_tower() for _ in levels)
        self.se = nn.ModuleList(PicoSE(feat, self.norm_cfg, self.act_cfg) for _ in levels)
        self.head_cls = nn.ModuleList(nn.Conv2d(feat, self.cls_out_channels, 1) for _ in levels)
        self.head_reg = nn.ModuleList(nn.Conv2d(feat, 4 * (self.reg_max + 1), 1) for _ in levels)
        self.cls_align = nn.ModuleList(nn.Sequential(
            ConvModule(feat, 1, self.kernel_size, padding=self.kernel_size // 2,
                       act_cfg=self.act_cfg, **layer),
            ConvModule(1, 1, 1, act_cfg=None, **layer)) for _ in levels)

    def init_weights(self) -> None:
        """PaddleDetection's initialisation: N(0, 0.01) convs (``ConvNormLayer``), the SE gate's
        conv N(0, 0.001), class bias for prior probability 0.01, Kaiming-uniform alignment
        branch (``DPModule``); BN weight 1, bias 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, std=0.01)
        for se in self.se:
            normal_init(se.fc, std=0.001)
        for conv in self.head_cls:
            normal_init(conv, std=0.01, bias=bias_init_with_prob(0.01))
        for m in self.cls_align.modules():
            if isinstance(m, nn.Conv2d):
                kaiming_init(m, mode='fan_in', nonlinearity='relu', distribution='uniform')
        self._is_init = True

    def forward(self, x: Sequence[torch.Tensor]) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Per level the class probabilities ``(N, C, H, W)`` and box distribution logits
        ``(N, 4 * (reg_max + 1), H, W)``."""
        if len(x) != len(self.towers):
            raise ValueError(f'{type(self).__name__}: expected {len(self.towers)} feature '
                             f'levels (one per prior stride), got {len(x)}')
        cls_scores, bbox_preds = [], []
        for level, feat in enumerate(x):
            tower = self.towers[level](feat)
            gated = self.se[level](tower)
            score = self.head_cls[level](gated).sigmoid() * \
                self.cls_align[level](tower).sigmoid()
            cls_scores.append((score + self.score_eps).sqrt())
            bbox_preds.append(self.head_reg[level](gated).float())
        return cls_scores, bbox_preds

    def current_epoch(self) -> int:
        """The training epoch (0-based) from mmengine's message hub; 0 outside a runner."""
        epoch = MessageHub.get_current_instance().get_info('epoch')
        return 0 if epoch is None else int(epoch)

    def loss_by_feat(self, cls_scores: List[torch.Tensor], bbox_preds: List[torch.Tensor],
                     batch_gt_instances: InstanceList, batch_img_metas: List[dict],
                     batch_gt_instances_ignore: OptInstanceList = None) -> dict:
        """``loss_cls`` (varifocal), ``loss_bbox`` (GIoU) and ``loss_dfl`` of a batch."""
        num_imgs = len(batch_img_metas)
        anchors = self.prior_generator.grid_priors([c.shape[-2:] for c in cls_scores],
                                                   device=cls_scores[0].device)
        num_level_priors = [len(a) for a in anchors]
        anchors = torch.cat(anchors)
        strides = torch.cat([anchors.new_full((n, ), s[0]) for n, s in
                             zip(num_level_priors, self.prior_generator.strides)])
        scores, boxes = decode_gfl_priors(self, cls_scores, bbox_preds)
        assigner = self.initial_assigner if self.current_epoch() < self.initial_epoch \
            else self.assigner
        if batch_gt_instances_ignore is None:
            batch_gt_instances_ignore = [None] * num_imgs
        labels, bbox_targets, soft_scores = multi_apply(
            self._get_targets_single, scores.detach(), boxes.detach(), batch_gt_instances,
            batch_gt_instances_ignore, anchors=anchors, num_level_priors=num_level_priors,
            assigner=assigner)
        labels, bbox_targets, soft_scores = (torch.cat(t) for t in (labels, bbox_targets,
                                                                    soft_scores))
        flat_scores = scores.reshape(-1, self.cls_out_channels)
        targets = flat_scores.new_zeros(flat_scores.shape)
        pos = (labels < self.num_classes).nonzero().squeeze(1)
        targets[pos, labels[pos]] = soft_scores[pos]
        avg_factor = self.soft_score_sum(targets)
        loss_cls = self.loss_cls(flat_scores, targets, avg_factor=avg_factor)

        regs = torch.cat([b.permute(0, 2, 3, 1).reshape(num_imgs, -1, 4 * (self.reg_max + 1))
                          for b in bbox_preds], 1).reshape(-1, 4 * (self.reg_max + 1))
        if len(pos) == 0:
            return dict(loss_cls=loss_cls, loss_bbox=boxes.sum() * 0, loss_dfl=regs.sum() * 0)
        # box losses in units of each prior's stride, as ppdet computes them
        pos_strides = strides.repeat(num_imgs)[pos, None]
        pos_boxes = boxes.reshape(-1, 4)[pos] / pos_strides
        pos_targets = bbox_targets[pos] / pos_strides
        pos_centres = self.anchor_center(anchors).repeat(num_imgs, 1)[pos] / pos_strides
        weight = soft_scores[pos]
        loss_bbox = self.loss_bbox(pos_boxes, pos_targets, weight=weight, avg_factor=avg_factor)
        loss_dfl = self.loss_dfl(
            regs[pos].reshape(-1, self.reg_max + 1),
            bbox2distance(pos_centres, pos_targets, self.reg_max).reshape(-1),
            weight=weight[:, None].expand(-1, 4).reshape(-1), avg_factor=4.0 * avg_factor)
        return dict(loss_cls=loss_cls, loss_bbox=loss_bbox, loss_dfl=loss_dfl)

    @staticmethod
    def soft_score_sum(targets: torch.Tensor) -> torch.Tensor:
        """The losses' divisor: the sum of the soft targets (ppdet: over the process's batch,
        averaged over processes and clipped at 1 when there are several). Where ppdet divides
        by 0 (one process, no positive in the batch), 1 is used."""
        total = targets.sum().detach()
        if get_world_size() > 1:
            return reduce_mean(total).clamp(min=1)
        return total if total > 0 else total.new_ones(())

    def _get_targets_single(self, scores: torch.Tensor, boxes: torch.Tensor,
                            gt_instances: InstanceData,
                            gt_instances_ignore: Optional[InstanceData], anchors: torch.Tensor,
                            num_level_priors: List[int], assigner) -> tuple:
        """One image's ``labels`` (``num_classes`` for background), ``bbox_targets`` (image
        pixels, zeros for background) and ``soft_scores`` over all priors."""
        result = assigner.assign(InstanceData(priors=anchors, bboxes=boxes, scores=scores),
                                 num_level_priors, gt_instances, gt_instances_ignore)
        pos = result.gt_inds > 0
        labels = torch.full_like(result.gt_inds, self.num_classes)
        labels[pos] = result.labels[pos]
        bbox_targets = torch.zeros_like(boxes)
        bbox_targets[pos] = gt_instances.bboxes[result.gt_inds[pos] - 1].to(boxes.dtype)
        return labels, bbox_targets, result.get_extra_property('soft_scores')
