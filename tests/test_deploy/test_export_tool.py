"""tools/deployment/export_onnx.py: one export path for three tasks, checked with onnxruntime."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from pplc_vision.deploy import onnxruntime_session
from pplc_vision.deploy.tasks import ClassifierExportWrapper
from pplc_vision.registry import build_model_from_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'deployment', 'export_onnx.py')


def run_tool(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT)


@pytest.mark.parametrize('config,size,outputs', [
    ('configs/cls/pplcnet_0.5x_in1k.py', 224, ['output']),
    ('configs/det/picodet_pplcnet_0.5x_coco.py', 320, ['boxes', 'scores', 'labels']),
    ('configs/seg/deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py', 256, ['output']),
])
def test_export_each_task(tmp_path, config, size, outputs):
    out = tmp_path / 'model.onnx'
    result = run_tool(config, out, '--shape', size, size)
    assert result.returncode == 0, result.stderr
    session = onnxruntime_session(str(out), threads=1)
    assert [o.name for o in session.get_outputs()] == outputs


def test_classifier_export_matches_pytorch(tmp_path):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/cls/pplcnet_0.5x_in1k.py'))
    model = build_model_from_config(cfg)
    checkpoint = tmp_path / 'model.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    out = tmp_path / 'model.onnx'
    result = run_tool(cfg.filename, out, '--checkpoint', checkpoint, '--dynamic')
    assert result.returncode == 0, result.stderr
    x = torch.rand(2, 3, 224, 224) * 255
    with torch.no_grad():
        expected = ClassifierExportWrapper(model)(x).numpy()
    got = onnxruntime_session(str(out)).run(None, {'input': x.numpy()})[0]
    assert np.abs(got - expected).max() / np.abs(expected).max() < 1e-4


def test_checkpoint_of_another_config_is_a_clear_error(tmp_path):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs/cls/pplcnet_1x_in1k.py'))
    checkpoint = tmp_path / 'model_1x.pth'
    torch.save({'state_dict': build_model_from_config(cfg).state_dict()}, checkpoint)
    result = run_tool('configs/cls/pplcnet_0.5x_in1k.py', tmp_path / 'x.onnx', '--checkpoint',
                      checkpoint)
    assert result.returncode == 2
    assert 'does not fit config' in result.stderr and 'shape mismatches' in result.stderr
    assert not (tmp_path / 'x.onnx').exists()


def test_detector_export_size_must_fit_the_padding(tmp_path):
    result = run_tool('configs/det/picodet_pplcnet_0.5x_coco.py', tmp_path / 'd.onnx',
                      '--shape', 333, 417)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --shape 333 417: the detector's data preprocessor pads images to multiples of "
        "32 (pad_size_divisor) before the network, an exported graph cannot: use --shape 320 416")
    assert not (tmp_path / 'd.onnx').exists()
