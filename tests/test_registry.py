"""Backbones build by name in every OpenMMLab scope, and drop into mmdet's own zoo configs."""
import math
import uuid
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.registry import MODELS as ROOT_MODELS

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.models import PaddleMobileNetV3, PPLCNet, TorchvisionMobileNetV3
from pplc_vision.registry import BACKBONE_SCOPES, scope_model_registry

BACKBONES = [
    (dict(type='PPLCNet', widen_factor=0.25, out_indices=(2, 3, 4)), PPLCNet),
    (dict(type='TorchvisionMobileNetV3', arch='small', widen_factor=0.5, out_indices=(2, 3, 4)),
     TorchvisionMobileNetV3),
    (dict(type='PaddleMobileNetV3', arch='large', widen_factor=0.35, out_indices=(2, 3, 4)),
     PaddleMobileNetV3),
]


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg', 'mmpretrain'])
@pytest.mark.parametrize('cfg, cls', BACKBONES, ids=['PPLCNet', 'TorchvisionMobileNetV3',
                                                  'PaddleMobileNetV3'])
def test_backbone_builds_in_scope(scope, cfg, cls):
    assert scope in BACKBONE_SCOPES
    with DefaultScope.overwrite_default_scope(scope):
        by_scope = scope_model_registry(scope).build(dict(cfg))
        # what a config's nested ``backbone=dict(type=...)`` goes through: the root registry
        # resolving the name in the default scope
        by_root = ROOT_MODELS.build(dict(cfg))
    for model in (by_scope, by_root):
        assert type(model) is cls
        outs = model.eval()(torch.randn(1, 3, 64, 64))
        assert [o.shape[1] for o in outs] == [model.out_channels[i] for i in (2, 3, 4)]


def test_unknown_scope_is_rejected():
    with pytest.raises(ValueError, match="unknown scope 'mmocr'"):
        scope_model_registry('mmocr')


def _zoo_config(name: str) -> Path:
    import mmdet
    path = Path(mmdet.__file__).parent / '.mim' / 'configs' / name
    assert path.is_file(), f'mmdet zoo config {name} not found at {path}'
    return path


def test_zoo_retinanet_with_pplcnet_trains_one_step(tmp_path, coco_split):
    neck_in = PPLCNet(widen_factor=0.5, out_indices=(2, 3, 4)).out_channels[2:]
    cfg_file = tmp_path / 'retinanet_pplcnet-0.5x_fpn_1x_coco.py'
    cfg_file.write_text(f"""
_base_ = {str(_zoo_config('retinanet/retinanet_r50_fpn_1x_coco.py'))!r}
custom_imports = dict(imports=['pplc_vision'], allow_failed_imports=False)
model = dict(
    backbone=dict(_delete_=True, type='PPLCNet', widen_factor=0.5, out_indices=(2, 3, 4)),
    neck=dict(in_channels={neck_in!r}))
""")
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.backbone == dict(type='PPLCNet', widen_factor=0.5, out_indices=(2, 3, 4))

    # user-side overrides (what --cfg-options would do): tiny data, one epoch of one batch, no val
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(128, 128), keep_ratio=True),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs'),
    ]
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False,
        dataset=coco_split.dataset_cfg(pipeline, filter_cfg=dict(filter_empty_gt=True)))
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=100)
    for key in ('val_dataloader', 'val_evaluator', 'val_cfg', 'test_dataloader',
                'test_evaluator', 'test_cfg'):
        cfg[key] = None
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(tmp_path / 'work_dir')
    cfg.experiment_name = f'zoo_retinanet_{uuid.uuid4().hex}'

    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    assert type(runner.model.backbone) is PPLCNet
    before = runner.model.backbone.blocks6[0].pw_conv.conv.weight.detach().clone()
    runner.train()
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
    after = runner.model.backbone.blocks6[0].pw_conv.conv.weight
    assert not torch.equal(before, after), 'the PPLCNet backbone was not updated'
