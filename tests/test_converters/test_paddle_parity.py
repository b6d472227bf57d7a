"""Parity with the authors' code: PaddleClas' own PPLCNet, converted by our CLI, gives our logits.

Needs paddlepaddle and the paddleclas 2.6.0 wheel (test-only; ``bash tools/setup_env.sh --test``).
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.runner import load_checkpoint

from paddle_helpers import randomize_paddle_model
from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.references.paddleclas import import_paddleclas_pplcnet

import paddle  # noqa: E402  (test-only dependency: bash tools/setup_env.sh --test)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddle2pplcnet.py')


def convert(src: str, dst: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, CLI, src, dst, *args], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.fixture(scope='module')
def paddle_checkpoints(tmp_path_factory):
    """``.pdparams`` files of randomised PaddleClas PPLCNets, and their models, per scale."""
    pp_lcnet = import_paddleclas_pplcnet()
    folder = tmp_path_factory.mktemp('paddle')
    made = {}

    def make(scale: float):
        if scale not in made:
            paddle.seed(0)
            model = pp_lcnet.PPLCNet(scale=scale, class_num=1000)
            randomize_paddle_model(model, seed=int(scale * 100))
            model.eval()
            path = str(folder / f'pplcnet_{scale}.pdparams')
            paddle.save(model.state_dict(), path)
            made[scale] = (path, model)
        return made[scale]

    return make


@pytest.mark.parametrize('scale', [0.25, 0.35, 1.0, 2.5])
def test_logits_match_paddleclas(paddle_checkpoints, tmp_path, scale):
    src, paddle_model = paddle_checkpoints(scale)
    dst = str(tmp_path / 'converted.pth')
    result = convert(src, dst)
    assert result.returncode == 0, result.stderr
    assert f'PP-LCNet-{scale}x' in result.stdout

    model = build_pplcnet_classifier(scale)
    load_checkpoint(model, dst, map_location='cpu', strict=True)
    model.eval()
    x = np.random.default_rng(1).normal(0, 1, (2, 3, 224, 224)).astype('float32')
    with torch.no_grad():
        ours = model(torch.from_numpy(x), mode='tensor').numpy()
    theirs = paddle_model(paddle.to_tensor(x)).numpy()
    rel = np.abs(ours - theirs).max() / np.abs(theirs).max()
    assert rel < 1e-4, f'scale {scale}: relative error {rel:.2e}'


def test_backbone_only_checkpoint_initialises_a_backbone(paddle_checkpoints, tmp_path):
    src, _ = paddle_checkpoints(0.5)
    dst = str(tmp_path / 'backbone.pth')
    assert convert(src, dst, '--backbone-only').returncode == 0
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    backbone = MODELS.build(dict(type='PPLCNet', widen_factor=0.5, out_indices=(2, 3, 4),
                                 init_cfg=dict(type='Pretrained', checkpoint=dst,
                                               prefix='backbone.')))
    backbone.init_weights()
    saved = torch.load(dst, weights_only=True)['state_dict']
    assert all(k.startswith('backbone.') for k in saved)
    torch.testing.assert_close(backbone.conv1.bn.running_var,
                               saved['backbone.conv1.bn.running_var'])


def test_wrong_scale_names_the_shapes(paddle_checkpoints, tmp_path):
    src, _ = paddle_checkpoints(0.25)
    result = convert(src, str(tmp_path / 'x.pth'), '--scale', '1.0')
    assert result.returncode == 2
    message = result.stderr.strip()
    assert '\n' not in message, message
    assert 'PP-LCNet-1.0x' in message and 'shape mismatches' in message
    assert 'conv1.conv.weight' in message or 'blocks' in message
    assert not (tmp_path / 'x.pth').exists()


def test_truncated_file_is_reported(paddle_checkpoints, tmp_path):
    src, _ = paddle_checkpoints(0.25)
    truncated = tmp_path / 'truncated.pdparams'
    data = open(src, 'rb').read()
    truncated.write_bytes(data[:len(data) // 2])
    result = convert(str(truncated), str(tmp_path / 'x.pth'))
    assert result.returncode == 2
    assert 'truncated' in result.stderr and str(truncated) in result.stderr
    assert '\n' not in result.stderr.strip()


def test_checkpoint_of_another_network_is_reported(tmp_path):
    resnet = paddle.vision.models.resnet18()
    src = str(tmp_path / 'resnet18.pdparams')
    paddle.save(resnet.state_dict(), src)
    result = convert(src, str(tmp_path / 'x.pth'))
    assert result.returncode == 2
    assert 'not a PaddleClas PP-LCNet checkpoint' in result.stderr
    assert 'unknown keys' in result.stderr and 'bn1._mean' in result.stderr
