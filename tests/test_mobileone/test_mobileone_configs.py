"""The MobileOne PicoDet and DeepLabV3+ configs: the Table 4/5 heads and recipes with only the
backbone changed; they build (plain and cross-scope type names) and train a step on CPU."""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mobileone_helpers import DET_CONFIG, SEG_CONFIG
from det_helpers import REPO, demo_batch
from seg_helpers import small_training_config, train_and_diff, write_tiny_cityscapes

from pplc_vision.apis import build_model_from_config
from pplc_vision.registry import build_in_scope

PARENTS = {DET_CONFIG: REPO / 'configs' / 'det' / 'picodet_pplcnet_1x_coco.py',
           SEG_CONFIG: REPO / 'configs' / 'seg' / 'deeplabv3plus_pplcnet_1x_os32_cityscapes.py'}


def _without(cfg: Config, *paths: str) -> dict:
    """``cfg.model`` as a dict, the dotted ``paths`` removed."""
    model = cfg.to_dict()['model']
    for path in paths:
        *parents, key = path.split('.')
        node = model
        for p in parents:
            node = node[p]
        del node[key]
    return model


@pytest.mark.parametrize('config, changed', [
    (DET_CONFIG, ('backbone', 'neck.in_channels')),
    (SEG_CONFIG, ('backbone', 'decode_head.in_channels')),
], ids=['picodet', 'deeplabv3plus'])
def test_only_the_backbone_differs_from_the_pplcnet_config(config, changed):
    ours, parent = Config.fromfile(str(config)), Config.fromfile(str(PARENTS[config]))
    assert _without(ours, *changed) == _without(parent, *changed)
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'train_dataloader',
                'auto_scale_lr', 'custom_hooks'):
        assert ours.get(key) == parent.get(key), key
    assert ours.model.backbone.type == 'MobileOne' and ours.model.backbone.arch == 's1'
    if config == DET_CONFIG:  # the COCO detector starts from ImageNet weights, as all do
        assert ours.model.backbone.init_cfg == dict(type='Pretrained', prefix='backbone.',
                                                    checkpoint=ours.pretrained)
    else:
        assert 'init_cfg' not in ours.model.backbone  # MobileOne's default init


@pytest.mark.parametrize('type_name', ['MobileOne', 'mmpretrain.MobileOne'])
def test_detector_builds_with_matching_channels(load_mobileone_config, type_name):
    cfg = load_mobileone_config(DET_CONFIG)
    cfg.model.backbone.type = type_name
    model = build_model_from_config(cfg)
    x = torch.randn(1, 3, 128, 160)
    with torch.no_grad():
        feats = model.backbone(x)
    assert [f.shape[1] for f in feats] == list(cfg.model.neck.in_channels)
    assert [160 // f.shape[3] for f in feats] == [8, 16, 32]


@pytest.mark.parametrize('type_name', ['MobileOne', 'mmpretrain.MobileOne'])
def test_segmenter_builds_with_matching_channels(load_mobileone_config, type_name):
    cfg = load_mobileone_config(SEG_CONFIG)
    cfg.model.backbone.type = type_name
    model = build_model_from_config(cfg)
    x = torch.randn(1, 3, 128, 256)
    with torch.no_grad():
        low, deep = model.extract_feat(x)
        logits = model.encode_decode(x, [dict(img_shape=(128, 256))])
    head = cfg.model.decode_head
    assert (low.shape[1], deep.shape[1]) == tuple(head.in_channels)
    assert low.shape[2:] == (32, 64) and deep.shape[2:] == (4, 8)  # strides 4 and 32
    assert logits.shape == (1, 19, 128, 256)


def test_detector_trains_a_step(load_mobileone_config):
    cfg = load_mobileone_config(DET_CONFIG)
    cfg.model.bbox_head.num_classes = 3
    cfg.model.data_preprocessor.batch_augments = None
    cfg.model.backbone.pop('init_cfg')  # MobileOne's own init instead of the ImageNet file
    for t in cfg.train_dataloader.dataset.pipeline:
        if t.type == 'Resize':
            t.scale = (160, 160)
    model = build_model_from_config(cfg)
    model.init_weights()
    model.train()
    cfg.optim_wrapper.optimizer.lr = 0.01
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    batch = model.data_preprocessor(demo_batch(cfg, REPO / 'data' / 'demo_coco'), True)
    loss, _ = model.parse_losses(model(**batch, mode='loss'))
    optim.update_params(loss)
    assert math.isfinite(float(loss)) and float(loss) > 0
    changed = {k for k, v in model.named_parameters() if not torch.equal(v, before[k])}
    assert any(k.startswith('backbone.stage4.') for k in changed)
    assert any(k.startswith('bbox_head.') for k in changed)


def test_segmenter_trains_a_step(load_mobileone_config, tmp_path):
    data = write_tiny_cityscapes(tmp_path / 'cityscapes')
    cfg = small_training_config(load_mobileone_config(SEG_CONFIG), data, tmp_path / 'work')
    loss, changed = train_and_diff(cfg)
    assert math.isfinite(loss) and loss > 0
    assert any(k.startswith('backbone.stage4.') for k in changed)
    assert any(k.startswith('decode_head.') for k in changed)


def test_backbone_init_cfg_takes_an_mmpretrain_classifier_checkpoint(load_mobileone_config,
                                                                     tmp_path):
    """The configs' Pretrained slot (prefix 'backbone.') loads mmpretrain's MobileOne ImageNet
    checkpoints as they are (training form, head weights ignored)."""
    classifier = build_in_scope(dict(
        type='ImageClassifier', backbone=dict(type='MobileOne', arch='s1'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=1000, in_channels=1280)), 'mmpretrain')
    for p in classifier.parameters():
        p.data.normal_()
    torch.save(dict(state_dict=classifier.state_dict()), tmp_path / 'mobileone-s1_in1k.pth')
    cfg = load_mobileone_config(DET_CONFIG)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', prefix='backbone.',
                                       checkpoint=str(tmp_path / 'mobileone-s1_in1k.pth'))
    detector = build_model_from_config(cfg)
    detector.init_weights()
    theirs = classifier.backbone.state_dict()
    for key, value in detector.backbone.state_dict().items():
        torch.testing.assert_close(value, theirs[key], msg=key)
