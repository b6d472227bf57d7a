"""Parity with timm's ``lcnet_*`` (timm is a test-only dependency)."""
import os
import subprocess
import sys

import pytest
import torch
from mmengine.runner import load_checkpoint

from pplc_vision.converters import build_pplcnet_classifier

import timm  # noqa: E402  (test-only dependency)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'timm2pplcnet.py')
TIMM_NAMES = {0.35: 'lcnet_035', 0.5: 'lcnet_050', 0.75: 'lcnet_075', 1.0: 'lcnet_100',
              1.5: 'lcnet_150'}


def randomized_timm_lcnet(scale: float) -> torch.nn.Module:
    torch.manual_seed(int(scale * 100))
    model = timm.create_model(TIMM_NAMES[scale], pretrained=False, num_classes=1000)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.2)
    return model.eval()


def convert(src, dst, *args):
    return subprocess.run([sys.executable, CLI, str(src), str(dst), *args],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize('scale', [0.35, 0.5, 1.0, 1.5])
def test_logits_match_timm(tmp_path, scale):
    reference = randomized_timm_lcnet(scale)
    src = tmp_path / 'timm.pth'
    torch.save(reference.state_dict(), src)
    result = convert(src, tmp_path / 'converted.pth')
    assert result.returncode == 0, result.stderr

    model = build_pplcnet_classifier(scale, last_conv_bias=True)
    load_checkpoint(model, str(tmp_path / 'converted.pth'), map_location='cpu', strict=True)
    model.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        ours, theirs = model(x, mode='tensor'), reference(x)
    rel = (ours - theirs).abs().max() / theirs.abs().max()
    assert rel < 1e-4, f'scale {scale}: relative error {rel:.2e}'


def test_another_timm_network_is_reported(tmp_path):
    src = tmp_path / 'mnv3.pth'
    torch.save(timm.create_model('mobilenetv3_small_050', pretrained=False).state_dict(), src)
    result = convert(src, tmp_path / 'x.pth')
    assert result.returncode == 2
    assert 'not a timm lcnet state dict' in result.stderr
    assert '\n' not in result.stderr.strip()


def test_truncated_torch_file_is_reported(tmp_path):
    src = tmp_path / 'timm.pth'
    torch.save(randomized_timm_lcnet(0.5).state_dict(), src)
    data = src.read_bytes()
    src.write_bytes(data[:len(data) // 3])
    result = convert(src, tmp_path / 'x.pth')
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: checkpoint {str(src)!r} is not a readable torch file '
                           '(truncated or another format): '), last


def test_wrong_scale_is_reported(tmp_path):
    src = tmp_path / 'timm.pth'
    torch.save(randomized_timm_lcnet(0.5).state_dict(), src)
    result = convert(src, tmp_path / 'x.pth', '--scale', '0.75')
    assert result.returncode == 2
    assert 'PP-LCNet-0.75x' in result.stderr and 'shape mismatches' in result.stderr
