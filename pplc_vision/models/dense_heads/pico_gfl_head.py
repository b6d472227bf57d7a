"""The PicoDet GFL head: mmdet's :class:`GFLHead` with PicoDet's light towers and 1x1 predictors.

Only the layers and the forward pass are PicoDet's; priors, target assignment (ATSS), the
QFL/GIoU/DFL losses and decoding + NMS are mmdet's ``GFLHead`` unchanged, except that
``test_cfg=dict(nms_pre_per_class=True, ...)`` selects PaddleDetection's post-processing
(:meth:`PicoGFLHead._predict_by_feat_single`).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData
from torch import nn

from mmdet.models.dense_heads import GFLHead
from mmdet.registry import MODELS

from ..layers import DepthSepConv
from .gfl_decode import decode_gfl_priors

ConfigType = dict


@MODELS.register_module()
class PicoGFLHead(GFLHead):
    """GFL head of the first PicoDet (PaddleDetection 2021.09, "PicoHead" + "PicoFeat").

    Per level a tower of ``stacked_convs`` x [depthwise ``kernel_size`` conv + BN + act,
    pointwise 1x1 conv + BN + act] that classification and regression share, then one 1x1 conv
    to ``num_classes + 4 * (reg_max + 1)`` channels, split into the class/quality scores and the
    box distribution logits. There is no learnable ``Scale`` per level.

    Args:
        num_classes: Number of object classes (no background class).
        in_channels: Channels of every input level.
        feat_channels: Channels of the towers.
        stacked_convs: Number of depthwise-separable blocks per tower.
        kernel_size: Depthwise kernel size.
        share_towers: One tower for all levels (the later PicoDet) instead of one per level.
        norm_cfg: Norm layer of the towers.
        act_cfg: Activation of the towers.
        reg_max: Largest value of the box distribution's support ``0..reg_max``.
        **kwargs: Everything else :class:`GFLHead` takes (prior generator, losses, train/test
            cfg, init_cfg).
    """

    scores_are_probabilities = False

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 feat_channels: int = 128,
                 stacked_convs: int = 2,
                 kernel_size: int = 5,
                 share_towers: bool = False,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='LeakyReLU', negative_slope=0.1),
                 reg_max: int = 7,
                 anchor_generator: ConfigType = dict(
                     type='AnchorGenerator', ratios=[1.0], octave_base_scale=5,
                     scales_per_octave=1, strides=[8, 16, 32], center_offset=0.5),
                 loss_cls: ConfigType = dict(
                     type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
                 loss_bbox: ConfigType = dict(type='GIoULoss', loss_weight=2.0),
                 loss_dfl: ConfigType = dict(type='DistributionFocalLoss', loss_weight=0.25),
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(
                     type='Normal', layer='Conv2d', std=0.01,
                     override=dict(type='Normal', name='gfl_preds', std=0.01, bias_prob=0.01)),
                 **kwargs) -> None:
        # The prior-probability bias is also put on the box-logit channels (as PaddleDetection
        # does): a constant added to all bins of a side leaves their softmax unchanged.
        self.kernel_size = kernel_size
        self.share_towers = share_towers
        self.act_cfg = act_cfg
        super().__init__(
            num_classes=num_classes,
            in_channels=in_channels,
            feat_channels=feat_channels,
            stacked_convs=stacked_convs,
            norm_cfg=norm_cfg,
            reg_max=reg_max,
            anchor_generator=anchor_generator,
            loss_cls=loss_cls,
            loss_bbox=loss_bbox,
            loss_dfl=loss_dfl,
            init_cfg=init_cfg,
            **kwargs)

    def _build_tower(self) -> nn.Sequential:
        return nn.Sequential(*[
            DepthSepConv(
                self.in_channels if i == 0 else self.feat_channels, self.feat_channels,
                kernel_size=self.kernel_size, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg) for i in range(self.stacked_convs)
        ])

    def _init_layers(self) -> None:
        """Towers (one per level, or one shared) and one 1x1 predictor per level."""
        if self.num_anchors != 1:
            raise ValueError(f'{type(self).__name__}: one prior per location is required, '
                             f'the anchor generator gives {self.num_anchors}')
        num_levels = self.prior_generator.num_levels
        self.towers = nn.ModuleList(
            self._build_tower() for _ in range(1 if self.share_towers else num_levels))
        out_channels = self.cls_out_channels + 4 * (self.reg_max + 1)
        self.gfl_preds = nn.ModuleList(
            nn.Conv2d(self.feat_channels, out_channels, 1) for _ in range(num_levels))

    def forward(self, x: Sequence[torch.Tensor]) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """Class/quality scores and box distribution logits of every level."""
        if len(x) != len(self.gfl_preds):
            raise ValueError(f'{type(self).__name__}: expected {len(self.gfl_preds)} feature '
                             f'levels (one per prior stride), got {len(x)}')
        cls_scores, bbox_preds = [], []
        for level, feat in enumerate(x):
            tower = self.towers[0 if self.share_towers else level]
            out = self.gfl_preds[level](tower(feat))
            cls_score, bbox_pred = out.split(
                [self.cls_out_channels, 4 * (self.reg_max + 1)], dim=1)
            cls_scores.append(cls_score)
            bbox_preds.append(bbox_pred.float())
        return cls_scores, bbox_preds

    def _predict_by_feat_single(self, cls_score_list: List[torch.Tensor],
                                bbox_pred_list: List[torch.Tensor],
                                score_factor_list: List[Optional[torch.Tensor]],
                                mlvl_priors: List[torch.Tensor], img_meta: dict,
                                cfg: ConfigDict, rescale: bool = False,
                                with_nms: bool = True) -> InstanceData:
        """mmdet's post-processing, or PaddleDetection's with ``cfg.nms_pre_per_class``.

        PaddleDetection (``PicoHead.post_process`` + ``MultiClassNMS``) keeps, per class, the
        ``nms_pre`` highest scores above ``score_thr`` over all levels (mmdet: per level, the
        ``nms_pre`` highest (prior, class) scores), and does not clip boxes to the image unless
        ``cfg.clip_boxes``; rescaling, class-wise NMS and ``max_per_img`` are shared.
        """
        cfg = self.test_cfg if cfg is None else cfg
        if not cfg.get('nms_pre_per_class', False):
            if self.scores_are_probabilities:  # mmdet's applies the sigmoid
                cls_score_list = [torch.logit(s) for s in cls_score_list]
            return super()._predict_by_feat_single(
                cls_score_list, bbox_pred_list, score_factor_list, mlvl_priors, img_meta, cfg,
                rescale=rescale, with_nms=with_nms)
        scores, boxes = decode_gfl_priors(self, [c[None] for c in cls_score_list],
                                          [b[None] for b in bbox_pred_list])
        scores, boxes = scores[0], boxes[0]
        if cfg.get('clip_boxes', False):
            height, width = img_meta['img_shape'][:2]
            boxes = torch.stack([boxes[:, 0].clamp(0, width), boxes[:, 1].clamp(0, height),
                                 boxes[:, 2].clamp(0, width), boxes[:, 3].clamp(0, height)], 1)
        prior_idx, labels = per_class_candidates(scores, cfg.get('score_thr', 0.0),
                                                 cfg.get('nms_pre', -1))
        results = InstanceData(bboxes=boxes[prior_idx], scores=scores[prior_idx, labels],
                               labels=labels)
        return self._bbox_post_process(results, cfg, rescale=rescale, with_nms=with_nms,
                                       img_meta=img_meta)


def per_class_candidate_mask(scores: torch.Tensor, score_thr: float, nms_pre: int
                             ) -> torch.Tensor:
    """``(A, C)`` mask of the (prior, class) scores above ``score_thr`` that are among their
    class's ``nms_pre`` highest (all of them when ``nms_pre <= 0``; ties with the ``nms_pre``-th
    score are kept): the candidates of PaddleDetection's ``MultiClassNMS`` (``nms_top_k``)."""
    keep = scores > score_thr
    if 0 < nms_pre < scores.shape[0]:
        keep = keep & (scores >= scores.topk(nms_pre, dim=0).values[-1])
    return keep


def per_class_candidates(scores: torch.Tensor, score_thr: float, nms_pre: int
                         ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Prior and class indices of :func:`per_class_candidate_mask`."""
    return per_class_candidate_mask(scores, score_thr, nms_pre).nonzero(as_tuple=True)
