"""Parity with the authors' application detectors on PP-LCNet: PP-ShiTu's mainbody detector,
PP-Structure's PubLayNet and CDLA layout detectors and the legacy PicoDet-LCNet-1.5x at 640.
PaddleDetection's own CSP-PAN PicoDet (the paddledet 2.6.0 wheel's layers) built with each
model's upstream values, random weights and BN statistics of real photos, saved with
``paddle.save`` and converted by ``tools/model_converters/paddledet2mmdet.py``, gives through
mmdet's ``DetInferencer`` (our config's test pipeline) PaddleDetection's detections at the
model's own input size: the same count and labels, boxes matched one to one at IoU >= 0.99,
scores within 1e-3.

Upstream values (PaddleDetection configs/picodet/legacy_model/ at 666f597fd0; the mainbody file
as before 579254f431): width, CSP-PAN/head channels, classes and evaluation size (h x w):
``picodet_lcnet_x2_5_640_mainbody.yml`` 2.5, 128, 1, 640x640; ``picodet_lcnet_x1_0_layout.yml``
1.0, 128, 5, 800x608; ``picodet_lcnet_cdla_layout.yml`` 1.0, 128, 11, 800x608;
``more_config/picodet_lcnet_1_5x_640_coco.yml`` 1.5, 160, 80, 640x640. The two layout models
share their weights but for the class predictors.
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import contextlib
import io
import os
import runpy
from typing import NamedTuple

import numpy as np
import pytest
import torch

from paddle_helpers import one_line_error
from pplc_vision.references import paddledet as ref
from test_paddledet_parity import PHOTOS, box_iou, rgb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddledet2mmdet.py')


class Upstream(NamedTuple):
    config: str
    scale: float
    channels: int
    num_classes: int
    size: tuple  # (h, w)


MODELS = {
    'mainbody': Upstream('picodet-csppan_pplcnet_2.5x_640_mainbody.py', 2.5, 128, 1, (640, 640)),
    'layout-publaynet': Upstream('picodet-csppan_pplcnet_1x_layout-publaynet.py', 1.0, 128, 5,
                                 (800, 608)),
    'layout-cdla': Upstream('picodet-csppan_pplcnet_1x_layout-cdla.py', 1.0, 128, 11,
                            (800, 608)),
    'lcnet-1.5x-640': Upstream('picodet-csppan_pplcnet_1.5x_640_coco.py', 1.5, 160, 80,
                               (640, 640)),
}


def config_path(name: str) -> str:
    return os.path.join(ROOT, 'configs', 'det', MODELS[name].config)


def cli_main():
    return runpy.run_path(CLI, run_name='paddledet2mmdet')['main']


class Reference(NamedTuple):
    pdparams: str
    model: object


@pytest.fixture(scope='module')
def references(tmp_path_factory):
    """``name -> Reference``, built on demand; models of one architecture (both layouts) share
    the weights and BN statistics of the first one built."""
    folder = tmp_path_factory.mktemp('paddledet_app')
    shared, made = {}, {}

    def make(name: str) -> Reference:
        if name in made:
            return made[name]
        up = MODELS[name]
        paddle.seed(0)
        model = ref.build_paddledet_picodet_lcnet(up.scale, up.num_classes, channels=up.channels)
        key = (up.scale, up.channels, up.size)
        if key not in shared:
            calibration = np.concatenate([ref.preprocess(rgb(p), up.size)[0] for p in PHOTOS])
            ref.set_paddle_bn_statistics(ref.FeaturesOnly(model), calibration)
            shared[key] = {k: v for k, v in model.state_dict().items()
                           if not k.startswith('head.head_cls')}
        model.set_state_dict(shared[key])
        ref.redraw_class_predictors(model, busy=min(3, up.num_classes))
        model.eval()
        path = str(folder / f'{name}.pdparams')
        paddle.save(model.state_dict(), path)
        made[name] = Reference(path, model)
        return made[name]

    return make


def paddle_detections(reference: Reference, image: np.ndarray, scale_factor: np.ndarray,
                      size: tuple) -> np.ndarray:
    with paddle.no_grad():
        out = reference.model({'image': paddle.to_tensor(image),
                               'scale_factor': paddle.to_tensor(scale_factor),
                               'im_shape': paddle.to_tensor(np.array([size], np.float32))})
    return out['bbox'].numpy()  # label, score, x1, y1, x2, y2


@pytest.mark.parametrize('name', sorted(MODELS))
def test_detections_match_paddledetection(references, tmp_path, name):
    from mmdet.apis import DetInferencer
    up = MODELS[name]
    reference = references(name)
    dst = str(tmp_path / f'{name}.pth')
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main()([reference.pdparams, dst, '--config', config_path(name)]) == 0
    assert f'({up.num_classes} classes)' in out.getvalue()
    photo = PHOTOS[0]
    image, scale_factor = ref.preprocess(rgb(photo), up.size)
    assert image.shape[2:] == up.size
    theirs = paddle_detections(reference, image, scale_factor, up.size)
    inferencer = DetInferencer(model=config_path(name), weights=dst, device='cpu',
                               show_progress=False)
    assert len(inferencer.model.dataset_meta['classes']) == up.num_classes
    pred = inferencer(photo, return_datasamples=True, no_save_vis=True)['predictions'][0]
    assert tuple(pred.metainfo['img_shape']) == up.size  # the config's own input size
    mine = pred.pred_instances
    assert 10 <= len(theirs) == len(mine), (len(theirs), len(mine))
    same_class = mine.labels.numpy()[:, None] == theirs[None, :, 0].astype(int)
    iou = np.where(same_class, box_iou(mine.bboxes.numpy(), theirs[:, 2:]), -1.0)
    match = iou.argmax(1)
    assert np.all(iou.max(1) >= 0.99), iou.max(1).min()
    assert len(set(match.tolist())) == len(theirs)
    np.testing.assert_allclose(mine.scores.numpy(), theirs[match, 1], atol=1e-3)
    with torch.no_grad():  # our parameters: PaddleDetection's trainable ones less the 4 unused
        trainable = sum(int(np.prod(p.shape)) for p in reference.model.parameters()
                        if not p.stop_gradient)
        assert sum(p.numel() for p in inferencer.model.parameters()) == trainable - 4


def test_wrong_class_count_is_refused(references, capsys, tmp_path):
    """The CDLA layout checkpoint (11 classes) into the PubLayNet config (5)."""
    message = one_line_error(cli_main(), capsys, references('layout-cdla').pdparams,
                             config_path('layout-publaynet'), str(tmp_path / 'x.pth'))
    assert 'has 11 classes (head.head_cls0: 43 outputs = 11 + 4 x 8)' in message
    assert 'has 5 (model.bbox_head.num_classes)' in message
