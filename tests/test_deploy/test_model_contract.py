"""What an exported model says it was exported with, and what the predictor does with it
(pplc_vision.deploy.contract, tools/deployment/infer.py).

The model is the tiny demo PicoDet of ``tests/data/deploy_814c938`` (its weights, and the two
graphs that commit 814c938 exported from them, before models carried a contract and when
detector graphs took RGB images):

- a ``test_cfg`` value fixed in the NMS graph is never silently ignored: a stricter
  ``score_thr`` (the override ``infer.py --help`` suggests) or a smaller ``max_per_img`` is
  applied after the graph, anything else is a one-line error that says to export again;
- a file exported from another config, or for another input size, is refused naming what
  differs;
- the graphs of 814c938 (no contract) still run, with one warning line, and give PyTorch's
  detections.
"""
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
import torch
from mmengine.config import Config

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.deploy.contract import Contract
from pplc_vision.deploy.inputs import PredictorInputError
from pplc_vision.deploy.predictor import Predictor
from pplc_vision.deploy.tasks import task_for
from pplc_vision.registry import build_model_from_config

from deploy_helpers import assert_same_detections, run_tool_main

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / 'tests' / 'data' / 'deploy_814c938'
CONFIG = LEGACY / 'picodet_tiny_demo-voc.py'
INFER = ROOT / 'tools' / 'deployment' / 'infer.py'
PHOTOS = sorted((ROOT / 'data/demo_coco/images').glob('*.jpg'))
SIZE = 416


def config(**options) -> Config:
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict(options)
    return cfg


@pytest.fixture(scope='module')
def tiny(tmp_path_factory) -> SimpleNamespace:
    """The fixture's weights, their NMS graph exported now, and mmdet's detections."""
    cfg = config()
    model = build_model_from_config(cfg)
    state = torch.load(LEGACY / 'picodet_tiny.pth', map_location='cpu', weights_only=True)
    model.load_state_dict(state['state_dict'])
    model.cfg = cfg
    tmp = tmp_path_factory.mktemp('contract')
    task_for(cfg).export(model, str(tmp / 'nms.onnx'), (SIZE, SIZE))
    from mmdet.apis import inference_detector
    expected = [inference_detector(model, str(p)).pred_instances for p in PHOTOS]
    return SimpleNamespace(cfg=cfg, model=model, dir=tmp, expected=expected)


def test_the_export_writes_its_contract(tiny):
    meta = {p.key: p.value for p in onnx.load(str(tiny.dir / 'nms.onnx')).metadata_props}
    contract = Contract.from_metadata(meta, 'nms.onnx')
    assert (contract.task, contract.graph, contract.input_layout, contract.channel_order,
            contract.input_size, contract.num_classes) == \
        ('detection', 'nms', 'NCHW', 'BGR', (SIZE, SIZE), 12)
    assert contract.class_names[0] == 'bottle'
    assert contract.model['backbone']['widen_factor'] == 0.25
    assert contract.test_cfg['score_thr'] == 0.025 and \
        contract.test_cfg['nms'] == {'iou_threshold': 0.6}


@pytest.mark.parametrize('key,value', [('score_thr', None), ('max_per_img', 5)])
def test_a_stricter_value_is_applied_after_the_graph(tiny, key, value):
    if value is None:  # between the scores: some boxes above, some below
        value = float(np.median(tiny.expected[0].scores.numpy()))
    predictor = Predictor(config(**{f'model.test_cfg.{key}': value}), str(tiny.dir / 'nms.onnx'),
                          engine='onnxruntime', threads=1)
    assert predictor.host_cfg[key] == value
    for photo, expected in zip(PHOTOS, tiny.expected):
        got = predictor(str(photo))
        keep = expected.scores > value if key == 'score_thr' else slice(0, value)
        assert 0 < len(got.boxes) < len(expected)
        assert_same_detections(got, expected[keep], photo.name, min_boxes=1)


def test_the_score_thr_override_of_infer_help_is_applied(tiny, tmp_path, monkeypatch, capsys):
    """The case of issue 28: ``--cfg-options model.test_cfg.score_thr=...`` on an NMS graph
    gave the graph's boxes, most of them below the asked threshold."""
    threshold = float(np.median(tiny.expected[0].scores.numpy()))
    out = tmp_path / 'r.json'
    code, err = run_tool_main(INFER, monkeypatch, capsys, CONFIG, tiny.dir / 'nms.onnx',
                              *PHOTOS, '--engine', 'onnxruntime', '--threads', '1', '--out',
                              out, '--cfg-options', f'model.test_cfg.score_thr={threshold}')
    assert code == 0, err
    scores = [r['score'] for r in json.loads(out.read_text())['predictions']]
    assert scores and min(scores) > threshold
    assert len(scores) == sum(int((e.scores > threshold).sum()) for e in tiny.expected)


@pytest.mark.parametrize('option,fixed', [
    ('model.test_cfg.score_thr=0.001', 'score_thr is fixed in this graph at 0.025'),
    ('model.test_cfg.nms.iou_threshold=0.5', "nms is fixed in this graph at {'iou_threshold': "
                                             "0.6}"),
    ('model.test_cfg.nms_pre=50', 'nms_pre is fixed in this graph at 1000'),
])
def test_a_value_only_an_export_gives_is_refused(tiny, option, fixed, monkeypatch, capsys):
    code, err = run_tool_main(INFER, monkeypatch, capsys, CONFIG, tiny.dir / 'nms.onnx',
                              PHOTOS[0], '--engine', 'onnxruntime', '--cfg-options', option)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert fixed in err and 'export again' in err


def test_a_model_of_another_config_is_refused_naming_the_keys(tiny):
    with pytest.raises(PredictorInputError) as error:
        Predictor(config(**{'model.backbone.widen_factor': 0.5,
                            'model.bbox_head.stacked_convs': 2}),
                  str(tiny.dir / 'nms.onnx'), engine='onnxruntime')
    message = str(error.value)
    assert len(message.splitlines()) == 1 and 'was not exported from config' in message
    assert 'model.backbone.widen_factor: exported 0.25, config 0.5' in message
    assert 'model.bbox_head.stacked_convs: exported 1, config 2' in message


def test_a_model_of_another_input_size_is_refused(tiny, tmp_path):
    small = task_for(tiny.cfg).export(tiny.model, str(tmp_path / 'small.onnx'), (320, 320))
    with pytest.raises(PredictorInputError, match=r'small\.onnx takes 320x320 images and the '
                                                  r'test pipeline of .* gives 416x416: export '
                                                  r'it with --shape 416 416'):
        Predictor(tiny.cfg, small, engine='onnxruntime')


@pytest.mark.parametrize('graph', ['nms', 'head'])
def test_a_graph_exported_before_contracts_runs_with_a_warning(tiny, graph, caplog):
    path = LEGACY / f'picodet_tiny_{graph}.onnx'
    with caplog.at_level(logging.WARNING):
        predictor = Predictor(tiny.cfg, str(path), engine='onnxruntime', threads=1)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and f'{path} carries no contract' in warnings[0]
    assert 'taking RGB' in warnings[0] and len(warnings[0].splitlines()) == 1
    assert predictor.contract is None and predictor.swap_on_host
    for photo, expected in zip(PHOTOS, tiny.expected):
        assert_same_detections(predictor(str(photo)), expected, f'{graph}: {photo.name}')
