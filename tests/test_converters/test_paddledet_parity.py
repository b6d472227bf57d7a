"""Parity with the authors' detection code: PaddleDetection's own PicoDet-LCNet-1.5x (the
CSP-PAN ``picodet_lcnet_1_5x_416_coco``, built from the paddledet wheel), saved with
``paddle.save`` and converted by ``tools/model_converters/paddledet2mmdet.py``, gives our
``configs/det/picodet-csppan_pplcnet_1.5x_coco.py`` the same raw outputs and, through mmdet's
``DetInferencer`` (our config's test pipeline), PaddleDetection's detections.

Weights are PaddleDetection's initialisation (seeded) with the class predictors redrawn so
that one class has more candidates than ``nms_pre`` (the per-class top-k matters) and others a
few; BN statistics come from real photos. Needs paddlepaddle and the paddledet wheel
(test-only; ``tools/setup_env.sh --test``).
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import contextlib
import copy
import io
import os
import runpy
from typing import NamedTuple

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from paddle_helpers import one_line_error

from pplc_vision.apis import build_model_from_config
from pplc_vision.converters.checkpoint_fit import check_checkpoint_fits
from pplc_vision.references import paddledet as ref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddledet2mmdet.py')
CONFIG = os.path.join(ROOT, 'configs', 'det', 'picodet-csppan_pplcnet_1.5x_coco.py')
TABLE4_CONFIG = os.path.join(ROOT, 'configs', 'det', 'picodet_pplcnet_1x_coco.py')
PHOTOS = [os.path.join(ROOT, 'data', p) for p in (
    'demo_coco/images/voc.jpg', 'demo_coco/images/arc2017.jpg',
    'demo_cityscapes/leftImg8bit/val/skimage/skimage_000000_000001_leftImg8bit.png')]
SCALE = 1.5
BUSY = 6  # classes with more than nms_pre candidates


def rgb(path: str) -> np.ndarray:
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    assert image is not None, path
    return np.ascontiguousarray(image[:, :, ::-1])


class Reference(NamedTuple):
    pdparams: str
    model: object  # the Paddle PicoDet, eval mode


@pytest.fixture(scope='module')
def reference(tmp_path_factory) -> Reference:
    """PaddleDetection's PicoDet-LCNet-1.5x with random weights and real BN statistics."""
    paddle.seed(0)
    model = ref.build_paddledet_picodet_lcnet(SCALE)
    ref.redraw_class_predictors(model, busy=BUSY)  # busy classes 0-5, sparse others
    calibration = np.concatenate([ref.preprocess(rgb(p))[0] for p in PHOTOS])
    ref.set_paddle_bn_statistics(ref.FeaturesOnly(model), calibration)
    path = str(tmp_path_factory.mktemp('paddledet') / 'picodet_lcnet_1_5x_416_coco.pdparams')
    paddle.save(model.state_dict(), path)
    return Reference(path, model)


@pytest.fixture(scope='module')
def converted(reference, tmp_path_factory) -> str:
    """The CLI's output for the 1.5x config (exit 0, one summary line)."""
    dst = str(tmp_path_factory.mktemp('mmdet') / 'picodet_lcnet_1_5x.pth')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main()([reference.pdparams, dst, '--config', CONFIG]) == 0
    assert out.getvalue().startswith(f'wrote {dst}: PPLCNet-1.5x + PicoCSPPAN + PicoVFLHead')
    return dst


@pytest.fixture(scope='module')
def ours(converted) -> torch.nn.Module:
    model = build_model_from_config(Config.fromfile(CONFIG))
    load_checkpoint(model, converted, map_location='cpu', strict=True)
    return model.eval()


def cli_main():
    """The CLI's ``main(argv) -> exit code``, run in this process."""
    return runpy.run_path(CLI, run_name='paddledet2mmdet')['main']


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.abs(ours - theirs).max() / np.abs(theirs).max())


# float64: the conversion alone; what remains is Paddle's hard-sigmoid slope 0.1666667 (not 1/6)
# in LCNet's SE (2e-7 relative). float32: each framework's float32 result lies about 1.5e-4
# (relative to the largest output) from the float64 one on this network, in different
# directions, so the two agree to about 2e-4.
@pytest.mark.parametrize('dtype, bound', [('float64', 1e-5), ('float32', 1e-3)])
def test_raw_outputs_match(reference, ours, dtype, bound):
    """Per level, class logits and box-distribution logits of the same normalised image."""
    image = ref.preprocess(rgb(PHOTOS[0]))[0].astype(dtype)
    theirs_model = reference.model
    if dtype != 'float32':
        theirs_model = ref.build_paddledet_picodet_lcnet(SCALE)
        theirs_model.set_state_dict(paddle.load(reference.pdparams))
        theirs_model.to(dtype=dtype)
        ours = copy.deepcopy(ours).to(getattr(torch, dtype))
    theirs_cls, theirs_box = ref.head_outputs(theirs_model, image)
    with torch.no_grad():
        cls_scores, bbox_preds = ours.bbox_head(ours.extract_feat(torch.from_numpy(image)))
    for level in range(len(ref.STRIDES)):
        assert relative_error(cls_scores[level].numpy(), theirs_cls[level]) < bound, level
        assert relative_error(bbox_preds[level].numpy(), theirs_box[level]) < bound, level


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: (x[:, 2:] - x[:, :2]).prod(-1)  # noqa: E731
    return inter / (area(a)[:, None] + area(b)[None] - inter)


@pytest.mark.parametrize('photo', PHOTOS[:2])
def test_detections_match(reference, ours, converted, photo):
    """Image file in: PaddleDetection's reader + PicoDet + MultiClassNMS against mmdet's
    ``DetInferencer`` with our config and the converted file: same count and labels, boxes
    matched one to one at IoU >= 0.99, scores within 1e-3."""
    from mmdet.apis import DetInferencer
    image, scale_factor = ref.preprocess(rgb(photo))
    with paddle.no_grad():
        out = reference.model({'image': paddle.to_tensor(image),
                               'scale_factor': paddle.to_tensor(scale_factor),
                               'im_shape': paddle.to_tensor(np.array([ref.EVAL_SIZE],
                                                                     np.float32))})
    theirs = out['bbox'].numpy()  # label, score, x1, y1, x2, y2
    inferencer = DetInferencer(model=CONFIG, weights=converted, device='cpu', show_progress=False)
    pred = inferencer(photo, return_datasamples=True, no_save_vis=True)['predictions'][0]
    mine = pred.pred_instances
    assert 20 <= len(theirs) == len(mine), (len(theirs), len(mine))
    # the busy classes have more than nms_pre candidates: the per-class top-k matters
    with torch.no_grad():
        scores = torch.cat([c.sigmoid().flatten(2) for c in ours.bbox_head(
            ours.extract_feat(torch.from_numpy(image)))[0]], 2)[0]
    assert bool(((scores[:BUSY] > 0.025).sum(1) > 1000).all())
    assert len(np.unique(theirs[:, 0])) >= 3
    # one prior gives the same box to every class: match within a class
    same_class = mine.labels.numpy()[:, None] == theirs[None, :, 0].astype(int)
    iou = np.where(same_class, box_iou(mine.bboxes.numpy(), theirs[:, 2:]), -1.0)
    match = iou.argmax(1)
    assert np.all(iou.max(1) >= 0.99), iou.max(1).min()
    assert len(set(match.tolist())) == len(theirs)
    np.testing.assert_allclose(mine.scores.numpy(), theirs[match, 1], atol=1e-3)


def test_params_equal_paddledets(reference, ours):
    """Our detector's parameters equal PaddleDetection's trainable ones to the parameter, less
    the four ``GFLHead`` scales (``head.p*_feat.scale_reg``) that ``PicoHead`` never runs."""
    trainable = {n: int(np.prod(p.shape)) for n, p in reference.model.named_parameters()
                 if not p.stop_gradient}
    unused = sorted(n for n in trainable if n.endswith('scale_reg'))
    assert unused == [f'head.p{i}_feat.scale_reg' for i in (3, 4, 5, 6)]
    assert sum(p.numel() for p in ours.parameters()) == sum(trainable.values()) - len(unused)


def test_tools_test_accepts_the_converted_file(ours, converted):
    """tools/test.py's check (keys, shapes, meta) passes for the converted checkpoint, and the
    checkpoint carries COCO's classes for DetInferencer."""
    check_checkpoint_fits(ours, converted, CONFIG)
    meta = torch.load(converted, map_location='cpu', weights_only=True)['meta']
    assert len(meta['dataset_meta']['classes']) == 80
    assert meta['dropped'] == [f'head.p{i}_feat.scale_reg' for i in (3, 4, 5, 6)]


def test_wrong_family_names_both(reference, capsys, tmp_path):
    """A CSP-PAN checkpoint given a first-PicoDet (PAN) config."""
    message = one_line_error(cli_main(), capsys, reference.pdparams, TABLE4_CONFIG,
                             str(tmp_path / 'x.pth'))
    assert 'is a csppan PicoDet' in message and 'PicoPAN + PicoGFLHead' in message


def test_wrong_width_names_the_shapes(reference, capsys, tmp_path):
    config_1x = CONFIG.replace('1.5x', '1x')
    message = one_line_error(cli_main(), capsys, reference.pdparams, config_1x,
                             str(tmp_path / 'x.pth'))
    assert 'does not fit config' in message and 'PPLCNet-1.0x' in message
    assert 'shape mismatches' in message and 'backbone.conv1.conv.weight' in message


def test_truncated_file(reference, capsys, tmp_path):
    src = str(tmp_path / 'truncated.pdparams')
    with open(reference.pdparams, 'rb') as f, open(src, 'wb') as g:
        g.write(f.read()[:100_000])
    message = one_line_error(cli_main(), capsys, src, CONFIG, str(tmp_path / 'x.pth'))
    assert src in message and 'truncated' in message


def test_classifier_checkpoint_is_not_a_picodet(capsys, tmp_path):
    """The backbone alone (an ImageNet LCNet) has no neck: named as not a PicoDet."""
    backbone = ref.build_paddledet_picodet_lcnet(SCALE).backbone
    src = str(tmp_path / 'lcnet.pdparams')
    paddle.save(backbone.state_dict(), src)
    message = one_line_error(cli_main(), capsys, src, CONFIG, str(tmp_path / 'x.pth'))
    assert 'is not a PaddleDetection PicoDet checkpoint' in message and src in message
