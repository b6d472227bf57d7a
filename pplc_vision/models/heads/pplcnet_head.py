"""PP-LCNet's classification heads for mmpretrain's ``ImageClassifier``: single-label
(softmax, :class:`PPLCNetClsHead`) and multi-label (sigmoid, :class:`PPLCNetMultiLabelClsHead`,
PaddleClas' attribute classifiers), both with PaddleClas' last 1x1 conv."""
from typing import List, Optional, Tuple

import torch
from mmcv.cnn import build_activation_layer
from mmpretrain.models.heads import ClsHead, MultiLabelClsHead
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn
import torch.nn.functional as F

from ..layers import scaled_width
from .pulc_postprocess import build_pulc_postprocess


class PPLCNetHeadMixin:
    """Global pooling, a 1x1 conv to ``mid_channels`` + activation + dropout, then an FC layer
    (the layers of PaddleClas' ``PPLCNet`` after ``blocks6``), and the optional post-processing
    of a PULC task on the predictions (:mod:`.pulc_postprocess`).

    Put it first in the bases, before the mmpretrain head that supplies the loss and the
    predictions (``class Head(PPLCNetHeadMixin, ClsHead)``); other keyword arguments go to
    that head.

    Args:
        num_classes: Number of classes (of attributes, multi-label).
        in_channels: Channels of the backbone's last stage at width 1.
        widen_factor: The backbone's width multiplier: the input has
            ``scaled_width(in_channels, widen_factor)`` channels.
        mid_channels: Output channels of the last 1x1 conv (1280 in the paper; PaddleClas'
            ``class_expand``).
        use_last_conv: Whether the last 1x1 conv is used (paper Tables 8 and 9; PaddleClas'
            ``use_last_conv``). Without it the pooled feature goes straight to the FC layer,
            with no dropout.
        last_conv_bias: Bias in the last conv (PaddleClas: no; timm's lcnet: yes).
        dropout_rate: Dropout before the FC layer (0.2 in the paper).
        act_cfg: Activation after the last conv.
        postprocess: A PULC task's post-processing of the predicted scores,
            ``dict(type='ThreshOutput' | 'PersonAttribute' | 'VehicleAttribute' |
            'TableAttribute', **arguments)`` (:mod:`pplc_vision.models.heads.pulc_postprocess`);
            its result is each predicted sample's ``pulc_result``.
        init_cfg: Initialisation of the layers.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 widen_factor: float = 1.0,
                 mid_channels: int = 1280,
                 use_last_conv: bool = True,
                 last_conv_bias: bool = False,
                 dropout_rate: float = 0.2,
                 act_cfg: dict = dict(type='HSwish'),
                 postprocess: Optional[dict] = None,
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        name = type(self).__name__
        if num_classes <= 0:
            raise ValueError(f'{name}: num_classes must be positive, got {num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels = scaled_width(in_channels, widen_factor)
        self.use_last_conv = use_last_conv
        if use_last_conv:
            self.last_conv = nn.Conv2d(in_channels, mid_channels, 1, bias=last_conv_bias)
            self.act = build_activation_layer(act_cfg)
            self.dropout = nn.Dropout(dropout_rate)
            fc_in = mid_channels
        else:
            self.last_conv = self.act = self.dropout = None
            fc_in = in_channels
        self.fc = nn.Linear(fc_in, num_classes)
        self.postprocess_cfg = postprocess
        try:
            self.postprocess = (build_pulc_postprocess(postprocess, num_classes)
                                if postprocess is not None else None)
        except ValueError as e:
            raise ValueError(f'{name}: {e}') from None

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The feature before the FC layer, shape ``(N, C)``."""
        x = feats[-1]
        name = type(self).__name__
        if x.dim() == 4:
            x = F.adaptive_avg_pool2d(x, 1)
        elif x.dim() == 2:
            x = x[:, :, None, None]
        else:
            raise ValueError(f'{name}: expected a (N, C) or (N, C, H, W) feature, '
                             f'got shape {tuple(x.shape)}')
        if x.shape[1] != self.in_channels:
            raise ValueError(f'{name}: in_channels is {self.in_channels} but the '
                             f'feature has {x.shape[1]} channels')
        if self.last_conv is not None:
            x = self.dropout(self.act(self.last_conv(x)))
        return x.flatten(1)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))

    def _get_predictions(self, cls_score: torch.Tensor,
                         data_samples: Optional[List[DataSample]]) -> List[DataSample]:
        """mmpretrain's predictions; with a ``postprocess``, each sample also carries its
        result as ``pulc_result`` (upstream's dict), and a ``ThreshOutput`` sets ``pred_label``
        to the class it chooses."""
        samples = super()._get_predictions(cls_score, data_samples)
        if self.postprocess is None:
            return samples
        scores = torch.stack([s.pred_score for s in samples])
        for sample, result in zip(samples, self.postprocess(scores)):
            sample.set_field(result, 'pulc_result', field_type='metainfo')
            if 'class_ids' in result:
                sample.set_pred_label(torch.tensor(result['class_ids']))
        return samples


@MODELS.register_module()
class PPLCNetClsHead(PPLCNetHeadMixin, ClsHead):
    """Single-label PP-LCNet head: softmax scores, ``pred_label`` the argmax (or the class a
    ``ThreshOutput`` post-processing chooses). Arguments: :class:`PPLCNetHeadMixin`'s, and
    ``loss``, ``topk``, ``cal_acc`` of mmpretrain's ``ClsHead``."""


@MODELS.register_module()
class PPLCNetMultiLabelClsHead(PPLCNetHeadMixin, MultiLabelClsHead):
    """Multi-label PP-LCNet head, as PaddleClas' attribute classifiers (``PPLCNet`` trained
    with ``use_multilabel``, exported with a sigmoid): sigmoid scores, ``pred_label`` the
    classes at or above ``thr``; mmpretrain's binary cross-entropy by default. Arguments:
    :class:`PPLCNetHeadMixin`'s, and ``loss``, ``thr``, ``topk`` of mmpretrain's
    ``MultiLabelClsHead``."""
