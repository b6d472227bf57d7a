"""Checkpoints saved before a refactor still load and give the same outputs.

The fixtures in ``tests/data/checkpoints_b6f88b4/`` were written by ``make_fixtures.py`` at
commit b6f88b4 (before the deploy/benchmark/backbone-contract restructuring of issue 16): the
state-dict keys and shapes of every config's model, and two small mmengine checkpoints with the
outputs they gave. A change that renames a parameter, reorders a block or alters a layer fails
here. A change that alters a model on purpose regenerates the fixtures of the configs it changes
(``make_fixtures.py CONFIG ...``) and says so here and in its commit.

Regenerated at issue 17 (the Table 4/5 baselines rebuilt as the Paddle suite builds them): the
records of the seven DeepLabV3+ configs of configs/seg/ (PaddleSeg's DeepLabV3P head, whose
modules and shapes differ from mmseg's DepthwiseSeparableASPPHead; the MobileNetV3 ones also on
the Paddle suite's MobileNetV3), the new deeplabv3plus_pplcnet_1x_os32-rates1369_cityscapes.py,
the two picodet_mobilenetv3-large configs (Paddle's MobileNetV3 instead of torchvision's) and
the picodet_mobilenetv3-large_0.35x_coco checkpoint with its outputs. The other records are
those of b6f88b4.
"""
import gzip
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint

from pplc_vision.apis import build_model_from_config
from pplc_vision.converters.checkpoint_fit import load_checkpoint_strict

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
FIXTURES = osp.join(ROOT, 'tests', 'data', 'checkpoints_b6f88b4')
with gzip.open(osp.join(FIXTURES, 'state_dict_shapes.json.gz'), 'rt') as _f:
    SHAPES = json.load(_f)
CHECKPOINTS = {  # as in make_fixtures.py
    'pplcnet_0.5x_demo-fashion-mnist': 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py',
    'picodet_mobilenetv3-large_0.35x_coco': 'configs/det/picodet_mobilenetv3-large_0.35x_coco.py',
}


def build(config: str) -> torch.nn.Module:
    """The model of ``config`` (a repository path), without a distillation teacher's weights."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    if 'teacher_checkpoint' in cfg.model:
        cfg.model.teacher_checkpoint = None
    return build_model_from_config(cfg)


def flat_outputs(out) -> list:
    """Tensors of a (nested) tuple/list output, in order."""
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for o in out for t in flat_outputs(o)]


def test_fixtures_cover_every_config_path():
    assert len(SHAPES) >= 40
    missing = [c for c in SHAPES if not osp.isfile(osp.join(ROOT, c))]
    assert not missing, f'config paths are a public interface; gone: {missing}'


@pytest.mark.parametrize('config', sorted(SHAPES))
def test_state_dict_keys_and_shapes_unchanged(config):
    now = {k: list(v.shape) for k, v in build(config).state_dict().items()}
    before = SHAPES[config]
    assert sorted(set(before) - set(now)) == [], 'keys gone'
    assert sorted(set(now) - set(before)) == [], 'keys added'
    assert {k: v for k, v in now.items() if v != before[k]} == {}, 'shapes changed'


@pytest.mark.parametrize('name', sorted(CHECKPOINTS))
@pytest.mark.parametrize('loader', ['tools', 'runner'])
def test_old_checkpoint_loads_and_gives_the_same_outputs(name, loader):
    model = build(CHECKPOINTS[name])
    path = osp.join(FIXTURES, f'{name}.pth')
    if loader == 'tools':  # tools/analysis_tools/latency.py, tools/deployment/export_onnx.py
        load_checkpoint_strict(model, path, CHECKPOINTS[name])
    else:  # Runner (load_from, tools/test.py CKPT): mmengine's loader, this package's allowlist
        load_checkpoint(model, path, map_location='cpu', strict=True)
    model.eval()
    expected = np.load(osp.join(FIXTURES, f'{name}_outputs.npz'))
    x = torch.from_numpy(expected['input'])
    with torch.no_grad():
        inputs = model.data_preprocessor(dict(inputs=list(x)), False)['inputs']
        outputs = flat_outputs(model(inputs, mode='tensor'))
    assert len(outputs) == len(expected.files) - 1
    for i, out in enumerate(outputs):
        np.testing.assert_allclose(out.numpy(), expected[f'out{i}'], rtol=1e-4, atol=1e-5,
                                   err_msg=f'{name}: output {i}')
