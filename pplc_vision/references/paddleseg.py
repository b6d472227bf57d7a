"""The authors' Table 5 segmenters: PaddleSeg's ``DeepLabV3P`` with its MobileNetV3 or with
PaddleClas' PP-LCNet, built from the installed wheels (test and benchmark reference).

paddleseg 2.8 has no PP-LCNet backbone: :func:`pplcnet_features_class` wraps PaddleClas'
``PPLCNet`` to hand ``DeepLabV3P`` its stride-4 (``blocks3``) and stride-32 (``blocks6``)
features; its unused classifier (``last_conv``, ``fc``) stays, as in a wrapped ImageNet model
(the converter drops it). paddlepaddle, paddleseg and paddleclas are optional: they are imported
here only, with a one-line error naming the pip packages.
"""
import functools
import importlib
from typing import Optional, Tuple

import numpy as np

from ..deploy.engines.base import EngineNotInstalled, import_engine_module
from .paddleclas import import_paddleclas_pplcnet, set_paddle_bn_statistics

#: Table 5 backbones: name -> (DeepLabV3P ``backbone_indices``)
BACKBONE_INDICES = {'pplcnet': (0, 1), 'mobilenetv3-large': (0, 3)}
ASPP_RATIOS = (1, 6, 12, 18)  # PaddleSeg's default


def import_paddleseg_models():
    """``paddleseg.models`` from the installed paddleseg wheel."""
    import_engine_module('paddle', 'paddle')
    try:
        return importlib.import_module('paddleseg.models')
    except ImportError as e:
        raise EngineNotInstalled(f'paddleseg is not importable ({e}): pip install --no-deps '
                                 'paddleseg==2.8.0 scikit-learn scipy') from None


@functools.lru_cache(maxsize=None)
def pplcnet_features_class() -> type:
    """PaddleClas' ``PPLCNet`` with ``feat_channels`` and a forward giving [blocks3, blocks6]."""
    pp_lcnet = import_paddleclas_pplcnet()

    class PPLCNetFeatures(pp_lcnet.PPLCNet):

        def __init__(self, scale: float) -> None:
            super().__init__(scale=scale, class_num=1000)
            self.feat_channels = [pp_lcnet.make_divisible(64 * scale),
                                  pp_lcnet.make_divisible(512 * scale)]

        def forward(self, x):
            low = self.blocks3(self.blocks2(self.conv1(x)))
            return [low, self.blocks6(self.blocks5(self.blocks4(low)))]

    return PPLCNetFeatures


def _width_suffix(widen_factor: float) -> str:
    """PaddleSeg's name suffix of a width: 0.75 -> ``x0_75``, 1.0 -> ``x1_0``."""
    whole, _, frac = f'{widen_factor:g}'.partition('.')
    return f'x{whole}_{frac or "0"}'


def build_paddleseg_deeplabv3p(backbone: str, widen_factor: float, num_classes: int = 19,
                               calibration: Optional[np.ndarray] = None,
                               aspp_ratios: Tuple[int, ...] = ASPP_RATIOS):
    """PaddleSeg's ``DeepLabV3P`` on ``backbone`` (``'pplcnet'`` or ``'mobilenetv3-large'``) at
    ``widen_factor``, random weights; with ``calibration`` images (normalised, NCHW) its BN
    statistics are set to theirs. Returned in eval mode."""
    if backbone not in BACKBONE_INDICES:
        raise ValueError(f'backbone must be one of {tuple(BACKBONE_INDICES)}, got {backbone!r}')
    models = import_paddleseg_models()
    if backbone == 'pplcnet':
        net = pplcnet_features_class()(widen_factor)
    else:
        name = f'MobileNetV3_large_{_width_suffix(widen_factor)}'
        net = getattr(importlib.import_module('paddleseg.models.backbones'), name)()
    model = models.DeepLabV3P(num_classes=num_classes, backbone=net,
                              backbone_indices=BACKBONE_INDICES[backbone],
                              aspp_ratios=aspp_ratios)
    if calibration is not None:
        set_paddle_bn_statistics(model, calibration)
    model.eval()
    return model


def head_logits_network(model):
    """A Paddle layer running ``model``'s backbone and head only: the stride-4 logits, without
    ``DeepLabV3P``'s final upsampling, as our segmenter's network (``mode='tensor'``) gives."""
    paddle = import_engine_module('paddle', 'paddle')

    class HeadLogits(paddle.nn.Layer):

        def __init__(self, segmenter) -> None:
            super().__init__()
            self.segmenter = segmenter

        def forward(self, x):
            return self.segmenter.head(self.segmenter.backbone(x))[0]

    return HeadLogits(model)
