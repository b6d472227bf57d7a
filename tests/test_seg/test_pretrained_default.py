"""The Table 5 configs start from ImageNet backbone weights by default, as PaddleSeg trains: a
missing file stops tools/train.py at once with one line (the file, the converter command, the
from-scratch override), and that documented override trains from scratch."""
import math
import re
import subprocess
import sys

import pytest
from helpers import (assert_missing_pretrained_stops_at_once,
                     assert_override_trains_from_scratch)
import torch
from seg_helpers import (FROM_SCRATCH, REPO, SEG_CONFIGS, load_seg_config,
                         small_training_config)

from pplc_vision.apis import build_model_from_config
from pplc_vision.apis.pretrained_files import missing_pretrained_message, pretrained_init_cfgs

# config: (converter, PaddleClas ImageNet checkpoint)
SOURCES = {
    'deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py':
        ('paddle2pplcnet.py', 'PPLCNet_x0_5_pretrained.pdparams'),
    'deeplabv3plus_pplcnet_1x_os32_cityscapes.py':
        ('paddle2pplcnet.py', 'PPLCNet_x1_0_pretrained.pdparams'),
    'deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py':
        ('paddle2mobilenetv3.py', 'MobileNetV3_large_x0_5_pretrained.pdparams'),
    'deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py':
        ('paddle2mobilenetv3.py', 'MobileNetV3_large_x0_75_pretrained.pdparams'),
}
WEIGHT_FREE = ('deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py',
               'deeplabv3plus_pplcnet_0.5x_os32_labelme-street.py')


def test_sources_cover_the_table5_configs():
    assert sorted(SOURCES) == sorted(SEG_CONFIGS)


@pytest.mark.parametrize('name', SEG_CONFIGS)
def test_table5_configs_load_imagenet_backbones_by_default(name):
    cfg = load_seg_config(name)
    converter, source = SOURCES[name]
    assert re.fullmatch(r'checkpoints/[\w.-]+_in1k_backbone\.pth', cfg.pretrained)
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', prefix='backbone.',
                                               checkpoint=cfg.pretrained)
    assert list(pretrained_init_cfgs(cfg.model)) == [('model.backbone.init_cfg', cfg.pretrained)]
    assert cfg.pretrained_command.split() == [
        'python', f'tools/model_converters/{converter}', source, cfg.pretrained,
        '--backbone-only']
    assert (REPO / 'tools' / 'model_converters' / converter).is_file()
    text = (REPO / 'configs' / 'seg' / name).read_text()
    assert f'--cfg-options {FROM_SCRATCH}' in text  # documented next to `pretrained`


@pytest.mark.parametrize('name', WEIGHT_FREE + (
    'deeplabv3plus_mobileone_s1_os32_cityscapes.py', ))
def test_demo_and_other_configs_need_no_weights(name):
    assert list(pretrained_init_cfgs(load_seg_config(name).model)) == []


@pytest.mark.parametrize('name', ['deeplabv3plus_pplcnet_1x_os32_cityscapes.py',
                                  'deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py'])
def test_from_scratch_is_the_default_initialisation(name):
    """With the override the backbone's layers initialise themselves (ConvModule: Kaiming
    normal, fan_out; BN weight 1, bias 0), as its default init_cfg does."""
    for default in (False, True):
        cfg = load_seg_config(name, from_scratch=True)
        if default:
            del cfg.model.backbone['init_cfg']  # the class's default init_cfg
        backbone = build_model_from_config(cfg).backbone
        backbone.init_weights()
        for key, module in backbone.named_modules():
            if isinstance(module, torch.nn.Conv2d) and module.weight.numel() >= 4096:
                expected = math.sqrt(2 / (module.weight.shape[0] * module.weight[0, 0].numel()))
                assert module.weight.std().item() == pytest.approx(expected, rel=0.1), key
            elif isinstance(module, torch.nn.BatchNorm2d):
                assert (module.weight == 1).all() and (module.bias == 0).all(), key


def test_missing_file_check_is_generic(tmp_path, monkeypatch):
    """Any Pretrained init_cfg of the model (in a list too); URLs are mmengine's to fetch; a
    command is only given when it names the missing file (an inherited one may not)."""
    monkeypatch.chdir(tmp_path)
    cfg = dict(model=dict(
        neck=dict(init_cfg=dict(type='Pretrained', checkpoint='https://example.org/w.pth')),
        heads=[dict(init_cfg=[dict(type='Kaiming', layer='Conv2d'),
                              dict(type='Pretrained', checkpoint='weights.pth')])]),
        weights='weights.pth', weights_command='python make.py other.pth')
    message = missing_pretrained_message(cfg, 'c.py')
    assert "'weights.pth' (model.heads.0.init_cfg, relative to" in message
    assert 'make.py' not in message and message.endswith(
        '--cfg-options model.heads.0.init_cfg=None')
    cfg['weights_command'] = 'python make.py weights.pth'
    assert 'Make it with `python make.py weights.pth`' in missing_pretrained_message(cfg, 'c.py')
    (tmp_path / 'weights.pth').write_bytes(b'')
    assert missing_pretrained_message(cfg, 'c.py') is None


@pytest.mark.parametrize('name', SEG_CONFIGS)
def test_missing_weights_stop_training_at_once(name, tmp_path, monkeypatch):
    """Before any build or data loading (no work dir is made, data_root does not exist)."""
    monkeypatch.chdir(tmp_path)  # checkpoints/ resolves here: never a user's converted file
    assert_missing_pretrained_stops_at_once(REPO / 'configs' / 'seg' / name,
                                            load_seg_config(name), tmp_path / 'work',
                                            FROM_SCRATCH)


def test_missing_weights_cli_exits_with_one_line(tmp_path):
    config = REPO / 'configs' / 'seg' / 'deeplabv3plus_pplcnet_1x_os32_cityscapes.py'
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / 'train.py'), str(config)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith('error: '), proc.stderr[-2000:]
    assert 'checkpoints/pplcnet_1x_in1k_backbone.pth' in lines[0]
    assert 'python tools/model_converters/paddle2pplcnet.py PPLCNet_x1_0_pretrained.pdparams' \
        in lines[0] and FROM_SCRATCH in lines[0]
    assert not (tmp_path / 'work_dirs').exists()


def test_documented_override_trains_from_scratch(tiny_cityscapes, tmp_path, monkeypatch):
    """The override that the error names, given to tools/train.py, trains a Table 5 config."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / 'tiny_pplcnet_0.5x.py'
    small_training_config(load_seg_config('deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py'),
                          tiny_cityscapes, tmp_path / 'unused').dump(str(config))
    argv = [str(config), '--work-dir', str(tmp_path / 'work')]
    assert_override_trains_from_scratch(argv, FROM_SCRATCH)
