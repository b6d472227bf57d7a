"""The predictor on the authors' application models (issue 31): an exported PULC text-line
orientation classifier (80x160, stride_list), the PULC person-attribute model (multi-label,
PersonAttribute grouping) and the PP-Structure PubLayNet layout detector (800x608) give the
stock OpenMMLab inferencers' results on the same PyTorch model (mmpretrain's
``ImageClassificationInferencer``, mmdet's ``inference_detector``); the command line prints and
writes the attribute model's upstream grouping. Untrained models, made to give spread results
as in test_predictor.py (BN statistics of the demo photos, a re-drawn last layer).
"""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pplc_vision.deploy.predictor import Predictor
from pplc_vision.deploy.tasks import task_for

from deploy_helpers import assert_same_detections
from test_predictor import DET_PHOTOS, ROOT, build, frames_of, run_cli

PULC = ROOT / 'configs' / 'cls' / 'pulc'
TEXTLINE = PULC / 'pplcnet_1x_pulc-textline-orientation.py'
PERSON = PULC / 'pplcnet_1x_pulc-person-attribute.py'
LAYOUT = ROOT / 'configs' / 'det' / 'picodet-csppan_pplcnet_1x_layout-publaynet.py'
NO_CUT = 100000


def spread_fc(model):
    torch.manual_seed(1)
    torch.nn.init.normal_(model.head.fc.weight, std=0.05)


def classifier(config: Path, hw: tuple, tmp: Path) -> SimpleNamespace:
    """``config``'s classifier exported to ONNX at ``hw`` (its input size) and the stock
    inferencer's data samples on the demo photos."""
    ns = build(config, DET_PHOTOS, max(hw), spread_fc)
    ns.onnx = str(tmp / f'{config.stem}.onnx')
    task_for(ns.cfg).export(ns.model, ns.onnx, hw)
    from mmpretrain.apis import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer(model=ns.model, device='cpu')
    ns.expected = [inferencer(f.image, return_datasamples=True)[0]
                   for f in frames_of(DET_PHOTOS)]
    return ns


@pytest.fixture(scope='module')
def textline(tmp_path_factory):
    return classifier(TEXTLINE, (80, 160), tmp_path_factory.mktemp('textline'))


@pytest.fixture(scope='module')
def person(tmp_path_factory):
    return classifier(PERSON, (256, 192), tmp_path_factory.mktemp('person'))


def test_textline_classifier_equals_inferencer(textline):
    predictor = Predictor(textline.cfg, textline.onnx, engine='onnxruntime', threads=1)
    for frame, expected in zip(frames_of(DET_PHOTOS), textline.expected):
        got = predictor.predict_frame(frame)
        np.testing.assert_allclose(got.scores, expected.pred_score.numpy(), atol=1e-4)
        assert got.label == int(expected.pred_label[0])
        assert got.postprocessed is None and got.positive is None
        assert got.summary().startswith(f'{frame.name}: {got.class_names[got.label]} ')


def test_person_attributes_equal_inferencer(person):
    predictor = Predictor(person.cfg, person.onnx, engine='onnxruntime', threads=1)
    groups = set()
    for frame, expected in zip(frames_of(DET_PHOTOS), person.expected):
        got = predictor.predict_frame(frame)
        np.testing.assert_allclose(got.scores, expected.pred_score.numpy(), atol=1e-4)
        assert got.positive.tolist() == expected.pred_label.tolist()
        assert got.postprocessed['attributes'] == expected.pulc_result['attributes']
        assert got.postprocessed['output'] == expected.pulc_result['output']
        assert len(got.postprocessed['attributes']) == 10  # upstream's groups
        groups.add(tuple(got.postprocessed['attributes']))
    assert len(groups) > 1, 'every photo got the same attributes: the test proves little'


def test_cli_writes_and_prints_the_grouping(person, tmp_path):
    out = tmp_path / 'attributes.json'
    proc = run_cli(PERSON, person.onnx, *DET_PHOTOS, '--engine', 'onnxruntime', '--out', out)
    records = json.loads(out.read_text())['predictions']
    for photo, record, expected in zip(DET_PHOTOS, records, person.expected):
        assert record['postprocessed']['attributes'] == expected.pulc_result['attributes']
        assert [p['label'] for p in record['positive']] == expected.pred_label.tolist()
        line = f'{photo}: ' + ', '.join(expected.pulc_result['attributes'])  # one line an image
        assert line in proc.stdout.splitlines()


@pytest.fixture(scope='module')
def layout(tmp_path_factory):
    def confident_head(model):
        torch.manual_seed(2)
        for conv in model.bbox_head.gfl_preds:
            torch.nn.init.normal_(conv.weight, std=0.03)
            torch.nn.init.constant_(conv.bias, -5.5)  # tens of boxes, not thousands

    tmp = tmp_path_factory.mktemp('layout')
    ns = build(LAYOUT, DET_PHOTOS, 608, confident_head,
               **{'model.test_cfg.nms_pre': NO_CUT, 'model.test_cfg.max_per_img': NO_CUT})
    ns.onnx = task_for(ns.cfg).export(ns.model, str(tmp / 'head.onnx'), (800, 608), graph='head')
    from mmdet.apis import inference_detector
    ns.expected = [inference_detector(ns.model, f.image) for f in frames_of(DET_PHOTOS)]
    return ns


def test_layout_detector_equals_inference_detector(layout):
    predictor = Predictor(layout.cfg, layout.onnx, engine='onnxruntime', threads=1)
    for frame, expected in zip(frames_of(DET_PHOTOS), layout.expected):
        assert tuple(expected.metainfo['img_shape']) == (800, 608)  # the config's own size
        got = predictor.predict_frame(frame)
        assert_same_detections(got, expected.pred_instances, frame.name)
        assert len(got.boxes) <= 500, 'near the score threshold, a box could go either way'
    assert got.class_names == ['text', 'title', 'list', 'table', 'figure']
