"""The Table 5 configs: they build PaddleSeg's DeepLabV3P (head, Paddle backbones, sizes), have
the paper's recipe (plus PaddleSeg's colour distortion), the right strides, and train; derived
numbers (channels, schedule length) follow the parameter block."""
import math

import pytest
import torch
from config_edits import edited_config
from seg_helpers import (REPO, SEG_CONFIGS, load_seg_config, small_training_config,
                         train_and_diff)

from pplc_vision.apis import build_model_from_config
from pplc_vision.models.layers import scaled_widths

ALL_SEG_CONFIGS = sorted(p.name for p in (REPO / 'configs' / 'seg').glob('*.py'))


@pytest.mark.parametrize('name', SEG_CONFIGS)
def test_config_builds_with_strides_and_logits(name):
    cfg = load_seg_config(name)
    model = build_model_from_config(cfg)
    head = cfg.model.decode_head
    assert model.backbone.out_indices == (1, 4)
    assert [model.backbone.out_channels[i] for i in (1, 4)] == model.decode_head.in_channels
    assert tuple(head.in_index) == (0, 1)
    x = torch.randn(1, 3, 128, 256)
    with torch.no_grad():
        low, deep = model.extract_feat(x)
        logits = model.encode_decode(x, [dict(img_shape=(128, 256))])
    assert low.shape[2:] == (128 // 4, 256 // 4)  # stride 4
    assert deep.shape[2:] == (128 // 32, 256 // 32)  # stride 32
    assert logits.shape == (1, 19, 128, 256)
    assert not model.with_auxiliary_head


@pytest.mark.parametrize('name', SEG_CONFIGS)
def test_config_has_the_paper_recipe(name):
    cfg = load_seg_config(name)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 0.01, 0.9, 4e-5)
    # PaddleSeg's configs/_base_/cityscapes.yml (v2.8.0, 2e51641a9a): PolynomialDecay from 0.01
    # to end_lr 0, power 0.9, decay_steps = iters = 80000 (not mmengine's PolyLR, one step
    # shorter); the backbone's BN spared from L2 (L2Decay(0.0)), the head's ConvBNReLU BN not
    (poly, ) = cfg.param_scheduler
    assert (poly.type, poly.power, poly.eta_min, poly.begin, poly.end, poly.get('decay_steps'),
            poly.by_epoch) == ('PolynomialDecayLR', 0.9, 0.0, 0, 80000, None, False)
    paramwise = cfg.optim_wrapper.paramwise_cfg
    assert paramwise.norm_decay_mult == 0.0
    assert paramwise.custom_keys == {'decode_head': dict(decay_mult=1.0)}
    assert cfg.train_cfg.max_iters == 80000
    assert cfg.train_dataloader.batch_size * 4 == cfg.auto_scale_lr.base_batch_size == 32
    pipeline = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    assert pipeline['RandomCrop']['crop_size'] == (512, 1024)
    assert pipeline['RandomFlip']['prob'] == 0.5
    assert [s[0] / 2048 for s in pipeline['RandomChoiceResize']['scales']] == \
        [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert pipeline['PaddleSegRandomDistort'] == dict(
        type='PaddleSegRandomDistort', brightness_range=0.4, contrast_range=0.4,
        saturation_range=0.4)  # PaddleSeg's cityscapes.yml; hue etc. at RandomDistort's defaults
    assert [t['type'] for t in cfg.train_dataloader.dataset.pipeline][-3:] == \
        ['RandomFlip', 'PaddleSegRandomDistort', 'PackSegInputs']
    head = cfg.model.decode_head
    assert head.type == 'PaddleSegDeepLabV3PlusHead'
    assert (head.channels, head.c1_channels, head.dropout_ratio, head.num_classes,
            head.align_corners, tuple(head.dilations)) == (256, 48, 0.1, 19, False, (1, 6, 12, 18))
    assert head.loss_decode.avg_non_ignore and head.ignore_index == 255
    assert cfg.model.get('auxiliary_head') is None
    assert cfg.model.data_preprocessor.mean == cfg.model.data_preprocessor.std == [127.5] * 3
    assert cfg.model.backbone.get('norm_cfg', dict(type='BN'))['type'] == 'BN'
    assert cfg.sync_bn == 'torch'


@pytest.mark.parametrize('name', SEG_CONFIGS)
def test_one_training_step_on_cpu(name, tiny_cityscapes, tmp_path):
    cfg = small_training_config(load_seg_config(name, from_scratch=True), tiny_cityscapes,
                                tmp_path / 'work')
    loss, changed = train_and_diff(cfg)
    assert math.isfinite(loss) and loss > 0
    assert any(k.startswith('backbone.') for k in changed)
    assert any(k.startswith('decode_head.') for k in changed)


@pytest.mark.parametrize('name', ALL_SEG_CONFIGS)
def test_poly_decay_ends_with_training(name):
    cfg = load_seg_config(name)
    poly = cfg.param_scheduler[0]
    assert poly.type == 'PolynomialDecayLR' and not poly.by_epoch
    assert poly.end == cfg.train_cfg.max_iters == cfg.max_iters


def test_parameter_block_edits_reach_the_model(tmp_path):
    """Editing the 1x config's width and length changes what is derived from them."""
    cfg = edited_config(REPO / 'configs' / 'seg' / 'deeplabv3plus_pplcnet_1x_os32_cityscapes.py',
                        tmp_path, widen_factor='0.75', max_iters='1000')
    model = build_model_from_config(cfg)
    assert [model.backbone.out_channels[i] for i in (1, 4)] == \
        model.decode_head.in_channels == [48, 384]
    assert cfg.param_scheduler[0].end == cfg.train_cfg.max_iters == 1000


@pytest.mark.parametrize('name, backbone, channels', [
    ('deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py', 'PPLCNet', (32, 256)),
    ('deeplabv3plus_pplcnet_1x_os32_cityscapes.py', 'PPLCNet', (64, 512)),
    ('deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py', 'PaddleMobileNetV3', (16, 80)),
    ('deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py', 'PaddleMobileNetV3', (24, 120)),
])
def test_backbones_and_head_inputs(name, backbone, channels):
    """PaddleSeg's backbones: PP-LCNet and the Paddle suite's MobileNetV3-large (stride 4 and 32
    outputs, PAPER.md: x0.5 16 and 80, x0.75 24 and 120)."""
    cfg = load_seg_config(name)
    assert cfg.model.backbone.type == backbone
    head = cfg.model.decode_head  # its inputs at width 1, scaled with the backbone's width
    assert tuple(scaled_widths(head.in_channels, head.widen_factor)) == channels
    if backbone == 'PaddleMobileNetV3':
        assert (cfg.model.backbone.arch, tuple(cfg.model.backbone.out_indices)) == ('large', (1, 4))


def test_mobilenetv3_segmenter_has_paddleseg_size():
    """PaddleSeg 2.8.0's DeepLabV3P(MobileNetV3_large_x0_5(), backbone_indices=(0, 3)) has
    1,333,385 trainable parameters and 1,350,585 with the BN statistics (Paddle's parameters,
    PAPER.md's 1.35M); mmseg's DepthwiseSeparableASPPHead alone would add 2.6M."""
    model = build_model_from_config(
        load_seg_config('deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py'))
    trainable = sum(p.numel() for p in model.parameters())
    statistics = sum(v.numel() for k, v in model.state_dict().items()
                     if k.endswith(('running_mean', 'running_var')))
    assert (trainable, trainable + statistics) == (1333385, 1350585)


def test_halved_rates_variant_differs_in_rates_only():
    variant = load_seg_config('deeplabv3plus_pplcnet_1x_os32-rates1369_cityscapes.py')
    base = load_seg_config('deeplabv3plus_pplcnet_1x_os32_cityscapes.py')
    assert tuple(variant.model.decode_head.dilations) == (1, 3, 6, 9)
    variant.model.decode_head.dilations = base.model.decode_head.dilations
    assert variant.to_dict() == base.to_dict()
