"""The PULC post-processing (:mod:`pplc_vision.models.heads.pulc_postprocess`) against the
paddleclas 2.6.0 wheel's own ``deploy/python/postprocess.py`` (``ThreshOutput``,
``PersonAttribute``, ``VehicleAttribute``, ``TableAttribute``): on random probabilities, with the
arguments the PULC configs and the wheel's ``deploy/configs/PULC`` set, and with others, the
results are upstream's, value for value. Also: the PP-LCNet heads apply it through their
``postprocess`` option on softmax or sigmoid scores, as PaddleClas' exported models give them.
"""
import paddle  # noqa: F401  first: Paddle runs much slower when torch was imported before it

import importlib.util
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

import pplc_vision  # noqa: F401  (registers the heads)
from pplc_vision.references.paddleclas import paddleclas_wheel_root
from pplc_vision.models.heads import (PersonAttribute, TableAttribute, ThreshOutput,
                                      VehicleAttribute)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope='module')
def upstream():
    """The wheel's ``deploy/python/postprocess.py``, loaded from its file."""
    path = os.path.join(paddleclas_wheel_root(), 'deploy', 'python', 'postprocess.py')
    spec = importlib.util.spec_from_file_location('paddleclas_deploy_postprocess', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def probabilities(n: int, classes: int, seed: int, softmax: bool = False) -> np.ndarray:
    """Random probabilities spread over [0, 1], with values on the usual thresholds too."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.5, (n, classes)).astype(np.float32)
    if softmax:
        e = np.exp(logits - logits.max(1, keepdims=True))
        return (e / e.sum(1, keepdims=True)).astype(np.float32)
    probs = 1 / (1 + np.exp(-logits))
    probs[0, :] = 0.5  # exactly on the default threshold: > and >= differ here
    probs[1, ::2] = 0.3
    probs[2, 1::3] = 0.6
    return probs.astype(np.float32)


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a == b, (a, b)


@pytest.mark.parametrize('threshold', [0.5, 0.9, 0.0])
def test_thresh_output_binary(upstream, threshold):
    probs = probabilities(64, 2, seed=1, softmax=True)
    probs[0] = [1 - threshold, threshold]  # on the threshold: class 1 (>=)
    args = dict(threshold=threshold, label_0='nobody', label_1='someone')
    assert_same(ThreshOutput(**args)(probs), upstream.ThreshOutput(**args)(probs))


def test_thresh_output_more_classes(upstream, tmp_path):
    """More than 2 classes: the best above the threshold, else the default class; names from
    upstream's class_id_map_file."""
    names = ['0', '90', '180', '270']
    id_map = tmp_path / 'labels.txt'
    id_map.write_text(''.join(f'{i} {n}\n' for i, n in enumerate(names)))
    probs = probabilities(64, 4, seed=2, softmax=True)
    args = dict(threshold=0.45, default_label_index=2)
    assert_same(ThreshOutput(class_names=names, **args)(probs),
                upstream.ThreshOutput(class_id_map_file=str(id_map), **args)(probs))


@pytest.mark.parametrize('args', [dict(), dict(threshold=0.4, glasses_threshold=0.2,
                                               hold_threshold=0.7)])
def test_person_attribute(upstream, args):
    probs = probabilities(96, 26, seed=3)
    assert_same(PersonAttribute(**args)(probs), upstream.PersonAttribute(**args)(probs))


@pytest.mark.parametrize('args', [dict(), dict(color_threshold=0.3, type_threshold=0.8)])
def test_vehicle_attribute(upstream, args):
    probs = probabilities(96, 19, seed=4)
    assert_same(VehicleAttribute(**args)(probs), upstream.VehicleAttribute(**args)(probs))


@pytest.mark.parametrize('args', [dict(), dict(source_threshold=0.3, number_threshold=0.7,
                                               color_threshold=0.4, clarity_threshold=0.6,
                                               obstruction_threshold=0.2, angle_threshold=0.8)])
def test_table_attribute(upstream, args):
    probs = probabilities(96, 6, seed=5)
    assert_same(TableAttribute(**args)(probs), upstream.TableAttribute(**args)(probs))


@pytest.mark.parametrize('task, upstream_name', [
    ('person-exists', 'ThreshOutput'), ('person-attribute', 'PersonAttribute'),
    ('vehicle-attribute', 'VehicleAttribute'), ('table-attribute', 'TableAttribute'),
    ('safety-helmet', 'ThreshOutput')])
def test_config_heads_give_upstreams_results(upstream, task, upstream_name):
    """A PULC config's head, on random features: its samples' ``pulc_result`` is upstream's
    post-processing of its own scores (softmax or sigmoid of the logits, as PaddleClas'
    exported models end) with the config's arguments; a ThreshOutput also sets
    ``pred_label``."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'cls', 'pulc',
                                       f'pplcnet_1x_pulc-{task}.py'))
    head = MODELS.build(cfg.model.head).eval()
    torch.manual_seed(0)
    feats = (torch.randn(16, head.in_channels, 1, 1) * 3, )
    with torch.no_grad():
        logits = head(feats)
        samples = head.predict(feats)
    multi_label = 'Attribute' in upstream_name
    scores = (logits.sigmoid() if multi_label else logits.softmax(1)).numpy()
    args = {k: v for k, v in cfg.model.head.postprocess.items() if k != 'type'}
    expected = getattr(upstream, upstream_name)(**args)(scores)
    assert [s.pulc_result for s in samples] == expected  # the same float32 scores
    if upstream_name == 'ThreshOutput':
        assert [s.pred_label.tolist() for s in samples] == [r['class_ids'] for r in expected]
