"""The authors' PicoDet on LCNet, built from the installed paddledet wheel as a test and benchmark
reference: the CSP-PAN PicoDet (``picodet_lcnet_1_5x_416_coco`` and its other LCNet widths,
:func:`build_paddledet_picodet_lcnet`) and PicoDet v2 (``picodet_{xs,s,m,l}_*_coco_lcnet``,
:func:`build_paddledet_picodet_v2`).

The layers and settings are those of PaddleDetection's ``configs/picodet/legacy_model``
(``_base_/picodet_esnet.yml`` with ``more_config/picodet_lcnet_1_5x_416_coco.yml``): ``LCNet``
(feature maps 3, 4, 5), ``CSPPAN`` (128 channels, depthwise 5x5, hard-swish, 4 levels),
``PicoHead`` with ``PicoFeat`` (4 blocks per level, shared cls/reg, reg_max 7, cell offset 0.5)
and ``MultiClassNMS`` (1000 per class above 0.025, IoU 0.6, 100 kept). Its evaluation reader
resizes to 416 x 416 with bicubic interpolation, not keeping the ratio, and normalises RGB
0..1 images with ImageNet's mean and std. paddlepaddle and paddledet are optional: they are
imported here only, with a one-line error naming the pip packages.

PicoDet v2 follows ``configs/picodet/_base_/picodet_v2.yml`` at PaddleDetection 666f597fd0 with
the sizes of its ``picodet_{xs,s,m,l}_*_coco_lcnet.yml`` (:data:`PICODET_V2_ARCHS`): ``LCNet``,
``LCPAN`` (4 levels), ``PicoHeadV2`` with ``PicoFeat(use_se=True)``, its assigners and losses
(which it needs even for inference) and the same ``MultiClassNMS`` and evaluation reader.

Deployed as PaddleDetection's ``tools/export_model.py`` deploys it (that config has no
``export`` section: post-processing and NMS in the graph): :func:`export_input_spec` and
:func:`pir_multiclass_nms` for ``paddle.jit.save``.
"""
import contextlib
import importlib
from typing import Dict, Iterator, Optional, Sequence, Tuple

import numpy as np

from ..deploy.engines.base import EngineNotInstalled, import_engine_module
from ..models.dense_heads import PICODET_V2_ARCHS
from .paddleclas import set_paddle_bn_statistics

#: PaddleDetection's legacy PicoDet settings (picodet_esnet.yml, picodet_416_reader.yml)
NECK_CHANNELS = 128
NUM_TOWER_CONVS = 4
STRIDES = (8, 16, 32, 64)
REG_MAX = 7
EVAL_SIZE = (416, 416)
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
NMS = dict(nms_top_k=1000, keep_top_k=100, score_threshold=0.025, nms_threshold=0.6)


def import_ppdet_modeling():
    """``ppdet.modeling`` from the installed paddledet wheel."""
    import_engine_module('paddle', 'paddle')
    try:
        return importlib.import_module('ppdet.modeling')
    except ImportError as e:
        raise EngineNotInstalled(
            f'paddledet is not importable ({e}): pip install --no-deps paddledet==2.6.0 '
            'pycocotools typeguard shapely lap motmetrics filterpy matplotlib scikit-learn '
            'cython') from None


def build_paddledet_picodet_lcnet(scale: float = 1.5, num_classes: int = 80,
                                  calibration: Optional[np.ndarray] = None,
                                  channels: int = NECK_CHANNELS):
    """PaddleDetection's legacy PicoDet on ``LCNet(scale)``, random weights; with
    ``calibration`` images (normalised, NCHW) its BN statistics are set to theirs. Returned in
    eval mode; ``model({'image': x, 'scale_factor': s})`` gives ``{'bbox', 'bbox_num'}``.
    ``channels``: CSPPAN's ``out_channels`` and PicoFeat's width (160 in
    picodet_lcnet_1_5x_640_coco.yml, 128 elsewhere)."""
    modeling = import_ppdet_modeling()

    def module(name: str):
        return importlib.import_module(f'ppdet.modeling.{name}')

    lcnet = module('backbones.lcnet')
    backbone = lcnet.LCNet(scale=scale, feature_maps=[3, 4, 5])
    neck = module('necks.csp_pan').CSPPAN(
        in_channels=[s.channels for s in backbone.out_shape], out_channels=channels,
        use_depthwise=True, num_csp_blocks=1, num_features=len(STRIDES),
        # a fresh list: CSPPAN appends the extra level's scale to it, and its default list is
        # shared by every instance (a second build would see 4 input levels)
        spatial_scales=[1 / s for s in STRIDES[:3]])
    feat = module('heads.pico_head').PicoFeat(
        feat_in=channels, feat_out=channels, num_convs=NUM_TOWER_CONVS,
        num_fpn_stride=len(STRIDES), norm_type='bn', share_cls_reg=True)
    head = module('heads.pico_head').PicoHead(
        conv_feat=feat, num_classes=num_classes, fpn_stride=list(STRIDES),
        feat_in_chan=channels, prior_prob=0.01, reg_max=REG_MAX, cell_offset=0.5,
        loss_class=module('losses.varifocal_loss').VarifocalLoss(
            use_sigmoid=True, iou_weighted=True, loss_weight=1.0),
        loss_dfl=module('losses.gfocal_loss').DistributionFocalLoss(loss_weight=0.25),
        loss_bbox=module('losses.iou_loss').GIoULoss(loss_weight=2.0),
        assigner=module('assigners.simota_assigner').SimOTAAssigner(
            candidate_topk=10, iou_weight=6, num_classes=num_classes),
        nms=module('layers').MultiClassNMS(**NMS))
    model = module('architectures.picodet').PicoDet(backbone, neck, head)
    if calibration is not None:
        set_paddle_bn_statistics(FeaturesOnly(model), calibration)
    model.eval()
    return model


def build_paddledet_picodet_v2(size: str = 'S', num_classes: int = 80,
                               calibration: Optional[np.ndarray] = None,
                               eval_size: Optional[Sequence[int]] = None, atss_topk: int = 9,
                               static_assigner_epoch: int = 100):
    """PaddleDetection's PicoDet v2 of ``size`` (XS, S, M, L), random weights; with
    ``calibration`` images (normalised, NCHW) its BN statistics are set to theirs;
    ``eval_size`` fixes the head's priors for export, as the reader's ``eval_size`` does
    upstream. Returned in eval mode."""
    import_ppdet_modeling()

    def module(name: str):
        return importlib.import_module(f'ppdet.modeling.{name}')

    width, channels, num_convs = PICODET_V2_ARCHS[size.upper()]
    backbone = module('backbones.lcnet').LCNet(scale=width, feature_maps=[3, 4, 5])
    neck = module('necks.lc_pan').LCPAN(
        in_channels=[s.channels for s in backbone.out_shape], out_channels=channels,
        use_depthwise=True, num_features=len(STRIDES),
        spatial_scales=[1 / s for s in STRIDES[:3]])  # a fresh list: see the CSP-PAN builder
    heads = module('heads.pico_head')
    feat = heads.PicoFeat(feat_in=channels, feat_out=channels, num_convs=num_convs,
                          num_fpn_stride=len(STRIDES), norm_type='bn', share_cls_reg=True,
                          use_se=True)
    assigners = module('assigners')
    head = heads.PicoHeadV2(
        conv_feat=feat, num_classes=num_classes, fpn_stride=list(STRIDES), prior_prob=0.01,
        reg_max=REG_MAX, cell_offset=0.5, grid_cell_scale=5.0,
        static_assigner_epoch=static_assigner_epoch, use_align_head=True,
        static_assigner=assigners.ATSSAssigner(topk=atss_topk, num_classes=num_classes,
                                               force_gt_matching=False),
        assigner=assigners.TaskAlignedAssigner(topk=13, alpha=1.0, beta=6.0),
        loss_class=module('losses.varifocal_loss').VarifocalLoss(
            use_sigmoid=False, iou_weighted=True, loss_weight=1.0),
        loss_dfl=module('losses.gfocal_loss').DistributionFocalLoss(loss_weight=0.5),
        loss_bbox=module('losses.iou_loss').GIoULoss(loss_weight=2.5),
        nms=module('layers').MultiClassNMS(**NMS), feat_in_chan=channels,
        eval_size=list(eval_size) if eval_size is not None else None)
    model = module('architectures.picodet').PicoDet(backbone, neck, head)
    if calibration is not None:
        set_paddle_bn_statistics(FeaturesOnly(model), calibration)
    model.eval()
    return model


def redraw_class_predictors(model, busy: int = 6, seed: int = 1, busy_bias: float = -2.5,
                            other_bias: float = -4.0) -> None:
    """Give random weights something to detect: per level, class-predictor weights drawn from
    N(0, 0.05) and biases ``busy_bias`` for the first ``busy`` classes (more candidates than
    ``nms_top_k``, so the per-class top-k matters), ``other_bias`` for the others (a few)."""
    rng = np.random.default_rng(seed)
    for level in range(len(STRIDES)):
        predictor = getattr(model.head, f'head_cls{level}')
        bias = np.full(predictor.bias.shape, other_bias, np.float32)
        bias[:busy] = busy_bias
        predictor.weight.set_value(rng.normal(0, 0.05, predictor.weight.shape).astype('float32'))
        predictor.bias.set_value(bias)


class FeaturesOnly:
    """Calls ``model``'s backbone, neck and head on an image batch (for BN statistics)."""

    def __init__(self, model) -> None:
        self.model = model

    def __getattr__(self, name):
        return getattr(self.model, name)

    def __call__(self, x):
        return self.model.head(self.model.neck(self.model.backbone({'image': x})))


def head_outputs(model, image: np.ndarray) -> Tuple[list, list]:
    """Per level the class scores ``(N, C, H, W)`` and box-distribution logits
    ``(N, 4 * (reg_max + 1), H, W)`` of ``model`` for a normalised NCHW ``image``, as numpy:
    logits of ``PicoHead``, probabilities of ``PicoHeadV2`` (from its own ``forward_eval``
    without post-processing, which takes one image)."""
    paddle = import_engine_module('paddle', 'paddle')
    with paddle.no_grad():
        feats = model.neck(model.backbone({'image': paddle.to_tensor(image)}))
        head = model.head
        if hasattr(head, 'cls_align'):  # PicoHeadV2: (1, H * W, C) and (1, H * W, 4 (R + 1))
            scores, regs = head.forward_eval(feats, export_post_process=False)
            return tuple([x.numpy().transpose(0, 2, 1).reshape(1, -1, *f.shape[2:])
                          for x, f in zip(out, feats)] for out in (scores, regs))
        cls_scores, box_logits = [], []
        for level, feat in enumerate(feats):
            cls_feat, _ = head.conv_feat(feat, level)
            out = head.head_cls_list[level](cls_feat)
            cls, box = paddle.split(out, [head.cls_out_channels, 4 * (head.reg_max + 1)], 1)
            cls_scores.append(cls.numpy())
            box_logits.append(box.numpy())
    return cls_scores, box_logits


def preprocess(image_rgb: np.ndarray, size: Sequence[int] = EVAL_SIZE
               ) -> Tuple[np.ndarray, np.ndarray]:
    """PaddleDetection's evaluation reader on one RGB ``uint8`` image: ``(1, 3, H, W)`` float32
    input and its ``scale_factor`` ``(1, 2)`` (y, x), with ppdet's own transform operators."""
    ops = importlib.import_module('ppdet.data.transform.operators')
    sample = {'image': image_rgb, 'im_shape': np.array(image_rgb.shape[:2], np.float32),
              'scale_factor': np.array([1.0, 1.0], np.float32)}
    for op in (ops.Resize(target_size=list(size), keep_ratio=False, interp=2),
               ops.NormalizeImage(mean=list(MEAN), std=list(STD), is_scale=True),
               ops.Permute()):
        sample = op(sample)
    return (sample['image'][None].astype(np.float32),
            sample['scale_factor'][None].astype(np.float32))


def export_input_spec(size: Sequence[int] = EVAL_SIZE) -> list:
    """PaddleDetection's export inputs for this config (``TestReader.inputs_def.image_shape``
    ``[1, 3, H, W]``, post-processing exported): ``image`` ``[None, 3, H, W]`` and
    ``scale_factor`` ``[1, 2]``; ``im_shape``, which PicoDet never reads, is pruned by its
    exporter, so it is left out here."""
    paddle = import_engine_module('paddle', 'paddle')
    spec = paddle.static.InputSpec
    return [{'image': spec([None, 3, *size], 'float32', 'image'),
             'scale_factor': spec([1, 2], 'float32', 'scale_factor')}]


def _pir_multiclass_nms(bboxes, scores, score_threshold, nms_top_k, keep_top_k,
                        nms_threshold=0.3, normalized=True, nms_eta=1., background_label=-1,
                        return_index=False, return_rois_num=True, rois_num=None, name=None):
    """ppdet's ``ops.multiclass_nms`` (same arguments and results) as one
    ``multiclass_nms3`` op, which both dynamic and PIR static graphs take."""
    paddle = import_engine_module('paddle', 'paddle')
    out, index, num = paddle._C_ops.multiclass_nms3(
        bboxes, scores, rois_num, score_threshold, nms_top_k, keep_top_k, nms_threshold,
        normalized, nms_eta, background_label)
    return out, num, index if return_index else None


@contextlib.contextmanager
def pir_multiclass_nms() -> Iterator[None]:
    """While active, ppdet's NMS can be exported under PIR (paddlepaddle 3's graphs).

    paddledet 2.6.0 builds its static ``multiclass_nms3`` op with the legacy program API, which
    ``paddle.jit.save`` refuses under PIR (``The type of '%BBoxes' in operator multiclass_nms3
    should be one of [str, bytes, Variable]``); PaddleDetection itself later calls
    ``paddle._C_ops.multiclass_nms3`` in PIR mode (60b1dff869, 2024-07-29, "upgrade for
    Pdinfer"). The same op with the same attributes is swapped in for the export.
    """
    ops = importlib.import_module('ppdet.modeling.ops')
    original = ops.multiclass_nms
    ops.multiclass_nms = _pir_multiclass_nms
    try:
        yield
    finally:
        ops.multiclass_nms = original


def detections_from_outputs(bbox: np.ndarray, bbox_num: np.ndarray) -> Dict[str, np.ndarray]:
    """PaddleDetection's ``bbox [N, 6]`` (label, score, x1, y1, x2, y2) and ``bbox_num`` of one
    image as ``boxes (K, 4)``, ``scores (K,)``, ``labels (K,)``; no detection is one row with
    label -1, which is dropped."""
    rows = bbox[:int(bbox_num[0])]
    rows = rows[rows[:, 0] >= 0]
    return dict(boxes=rows[:, 2:6].astype(np.float32), scores=rows[:, 1].astype(np.float32),
                labels=rows[:, 0].astype(np.int64))
