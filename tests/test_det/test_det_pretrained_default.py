"""The COCO detection configs start from ImageNet backbone weights by default, as PaddleDetection
trains: a missing file stops tools/train.py at once with one line (the file, the command that
makes it, the from-scratch override), and that override trains; the demo config needs no
weights."""
import re
import subprocess
import sys
from functools import lru_cache

import pytest
from helpers import (assert_missing_pretrained_stops_at_once,
                     assert_override_trains_from_scratch)
from mmengine.config import Config

from det_helpers import (COCO_CONFIGS, DEMO_CONFIG, DET_CONFIGS, REPO, V2_CONFIGS,
                         load_det_config)

from pplc_vision.apis.pretrained_files import pretrained_init_cfgs
from pplc_vision.registry import build_in_scope

FROM_SCRATCH = 'model.backbone.init_cfg=None'
MOBILEONE_URL = ('https://download.openmmlab.com/mmclassification/v0/mobileone/'
                 'mobileone-s1_8xb32_in1k_20221110-ceeef467.pth')  # mmpretrain's metafile
# config: the command that makes its backbone file, with DST for the file
COMMANDS = {
    'picodet_pplcnet_0.5x_coco.py': 'python tools/model_converters/paddle2pplcnet.py '
    'PPLCNet_x0_5_pretrained.pdparams DST --backbone-only',
    'picodet_pplcnet_1x_coco.py': 'python tools/model_converters/paddle2pplcnet.py '
    'PPLCNet_x1_0_pretrained.pdparams DST --backbone-only',
    'picodet_mobilenetv3-large_0.35x_coco.py': 'python tools/model_converters/'
    'paddle2mobilenetv3.py MobileNetV3_large_x0_35_pretrained.pdparams DST --backbone-only',
    'picodet_mobilenetv3-large_0.75x_coco.py': 'python tools/model_converters/'
    'paddle2mobilenetv3.py MobileNetV3_large_x0_75_pretrained.pdparams DST --backbone-only',
    'picodet-csppan_pplcnet_1x_coco.py': 'python tools/model_converters/paddle2pplcnet.py '
    'PPLCNet_x1_0_pretrained.pdparams DST --backbone-only',
    'picodet-csppan_pplcnet_1.5x_coco.py': 'python tools/model_converters/paddle2pplcnet.py '
    'PPLCNet_x1_5_pretrained.pdparams DST --backbone-only',
    'picodet-csppan_pplcnet_1.5x_640_coco.py': 'python tools/model_converters/paddle2pplcnet.py '
    'PPLCNet_x1_5_pretrained.pdparams DST --backbone-only',
    'picodet_mobileone_s1_coco.py': f'curl -L -o DST {MOBILEONE_URL}',
    **{name: 'python tools/model_converters/paddle2pplcnet.py '
       f'PPLCNet_x{width}_pretrained.pdparams DST --backbone-only'
       for name in V2_CONFIGS for size, width in (('xs', '0_35'), ('s', '0_75'), ('m', '1_5'),
                                                   ('l', '2_0'))
       if name.startswith(f'picodet-v2_{size}_')},  # PaddleDetection's v2 ymls' pretrain_weights
}
# one per kind of source: PP-LCNet (both families), MobileNetV3, MobileOne
STOPPED = ('picodet_pplcnet_0.5x_coco.py', 'picodet-csppan_pplcnet_1.5x_coco.py',
           'picodet_mobilenetv3-large_0.75x_coco.py', 'picodet_mobileone_s1_coco.py')


@lru_cache(maxsize=None)
def config(name: str) -> Config:
    """``configs/det/NAME`` as the file gives it (callers must not change it)."""
    return load_det_config(name)


def test_commands_cover_the_coco_configs():
    assert sorted(COMMANDS) == sorted(COCO_CONFIGS)
    coco = {p.name for p in DET_CONFIGS.glob('*_coco.py')}
    assert coco == set(COCO_CONFIGS)  # every COCO config is one of them


@pytest.mark.parametrize('name', COCO_CONFIGS)
def test_coco_configs_load_imagenet_backbones_by_default(name):
    cfg = config(name)
    assert re.fullmatch(r'checkpoints/[\w.-]+_in1k(_backbone)?\.pth', cfg.pretrained)
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', prefix='backbone.',
                                               checkpoint=cfg.pretrained)
    assert list(pretrained_init_cfgs(cfg.model)) == [('model.backbone.init_cfg', cfg.pretrained)]
    assert cfg.pretrained_command.split() == \
        COMMANDS[name].replace('DST', cfg.pretrained).split()
    program, *args = cfg.pretrained_command.split()
    if program == 'python':
        assert (REPO / args[0]).is_file()
    assert f'--cfg-options {FROM_SCRATCH}' in (DET_CONFIGS / name).read_text()


def test_converted_files_are_shared_with_the_segmentation_configs():
    """A det and a seg config naming the same file have backbones with the same weights (keys
    and shapes), so one converted file serves both."""
    shared = 0
    for seg_path in sorted((REPO / 'configs' / 'seg').glob('*_cityscapes.py')):
        seg = Config.fromfile(str(seg_path))
        for name in COCO_CONFIGS:
            if seg.get('pretrained') != config(name).pretrained:
                continue
            shapes = [{k: v.shape for k, v in build_in_scope(
                          dict(cfg.model.backbone, init_cfg=None), scope).state_dict().items()}
                      for cfg, scope in ((seg, 'mmseg'), (config(name), 'mmdet'))]
            assert shapes[0] == shapes[1], (seg_path.name, name)
            shared += 1
    assert shared >= 3  # PP-LCNet 0.5x and 1x (Table 4 and CSP-PAN), MobileNetV3-large 0.75x


def test_demo_config_needs_no_weights():
    cfg = load_det_config(DEMO_CONFIG)
    assert cfg.pretrained is None and list(pretrained_init_cfgs(cfg.model)) == []


@pytest.mark.parametrize('name', STOPPED)
def test_missing_weights_stop_training_at_once(name, tmp_path, monkeypatch):
    """Before any build or data loading (no work dir is made, data/coco does not exist)."""
    monkeypatch.chdir(tmp_path)  # checkpoints/ resolves here: never a user's converted file
    assert_missing_pretrained_stops_at_once(DET_CONFIGS / name, config(name), tmp_path / 'work',
                                            FROM_SCRATCH)


def test_missing_weights_cli_exits_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / 'train.py'),
                           str(DET_CONFIGS / 'picodet_pplcnet_1x_coco.py')],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith('error: '), proc.stderr[-2000:]
    assert "'checkpoints/pplcnet_1x_in1k_backbone.pth'" in lines[0]
    assert '`python tools/model_converters/paddle2pplcnet.py PPLCNet_x1_0_pretrained.pdparams ' \
        'checkpoints/pplcnet_1x_in1k_backbone.pth --backbone-only`' in lines[0]
    assert lines[0].endswith(f'--cfg-options {FROM_SCRATCH}')
    assert not (tmp_path / 'work_dirs').exists()


def test_documented_override_trains_from_scratch(demo_coco, tmp_path, monkeypatch):
    """The override that the error names, given to tools/train.py, trains a Table 4 config
    (one iteration on the 2 demo photos at 128 px)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / 'tiny_picodet_pplcnet_0.5x.py'
    path.write_text(f"""_base_ = {str(DET_CONFIGS / 'picodet_pplcnet_0.5x_coco.py')!r}
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
            dict(type='Resize', scale=(128, 128), keep_ratio=False), dict(type='PackDetInputs')]
model = dict(bbox_head=dict(num_classes=12))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='CocoFileDataset', data_root={str(demo_coco) + '/'!r},
                 ann_file='annotations.json', data_prefix=dict(img='images/'),
                 pipeline=pipeline))
train_cfg = dict(max_epochs=1, val_interval=10)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
param_scheduler = [dict(type='ConstantLR', factor=1.0)]
default_hooks = dict(checkpoint=dict(interval=-1, save_last=False))
""")
    argv = [str(path), '--work-dir', str(tmp_path / 'work')]
    assert_override_trains_from_scratch(argv, FROM_SCRATCH)
