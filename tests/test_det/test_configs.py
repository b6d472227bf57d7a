"""Every detection config builds, predicts, and trains a few steps on CPU with a falling loss;
derived numbers (channels, classes, schedule lengths) follow the parameter block."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

from config_edits import edited_config
from det_helpers import (ALL_CONFIGS, CSPPAN_CONFIGS, DET_CONFIGS, MOBILEONE_CONFIG,
                         PAPER_CONFIGS, demo_batch)


def _assert_schedule(cfg, lr, weight_decay, epochs, batch, gpus=4, neck_bn_decays=False):
    """SGD 0.9, lr for 4 GPUs' batch, PaddleDetection's EMA (0.9998, reset every 40 epochs).

    The learning rate is ppdet/optimizer.py's LearningRate([CosineDecay(epochs),
    LinearWarmup(300, 0.1)]) before bba88f6791 (as at 35388eb7d4 and 1fa998be68): a cosine to 0
    counted from iteration 0 over the whole run (T_max unset: end - begin), whose first 300
    iterations the warm-up from 0.1 replaces (listed last, it sets the values it owns). Decay:
    no L2 on BN (L2Decay(0.0) in LCNet, ConvNormLayer), except CSPPAN's plain BatchNorm2D
    (ppdet/modeling/necks/csp_pan.py at 1fa998be68), which decays like the convs."""
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.auto_scale_lr.base_batch_size == gpus * batch
    opt = cfg.optim_wrapper
    assert opt.optimizer.lr == lr and opt.optimizer.momentum == 0.9
    assert opt.optimizer.weight_decay == weight_decay and opt.paramwise_cfg.norm_decay_mult == 0
    assert (opt.paramwise_cfg.get('custom_keys') or {}).get('neck') == (
        dict(decay_mult=1.0) if neck_bn_decays else None)
    assert cfg.train_cfg.max_epochs == epochs
    cosine, warmup = cfg.param_scheduler
    assert (cosine.type, cosine.begin, cosine.end, cosine.get('T_max'),
            cosine.get('warmup_iters', 0), cosine.eta_min, cosine.by_epoch,
            cosine.convert_to_iter_based) == ('CosineDecayLR', 0, epochs, None, 0, 0.0, True, True)
    assert (warmup.type, warmup.start_factor, warmup.begin, warmup.end, warmup.by_epoch) == \
        ('LinearWarmupLR', 0.1, 0, 300, False)
    ema = [h for h in cfg.custom_hooks if h.type == 'PeriodicResetEMAHook'][0]
    assert (ema.ema_type, ema.decay, ema.reset_interval, ema.update_buffers) == \
        ('ThresholdEMA', 0.9998, 40, True)


def _resizes(cfg, loader):
    dataset = cfg[loader].dataset
    pipeline = dataset.get('pipeline') or dataset.dataset.pipeline
    return [(t.scale, t.keep_ratio, t.get('interpolation', 'bilinear'))
            for t in pipeline if t.type == 'Resize']


@pytest.mark.parametrize('name', PAPER_CONFIGS + (MOBILEONE_CONFIG, ))
def test_paper_config_follows_recipe(load_cfg, name):
    """PaddleDetection 35388eb7d4's picodet_m_mbv3_416_coco.yml, the paper's text: lr 0.3 for
    4 x 56 images, 280 epochs, weight decay 1e-4; one training size, 416 (bilinear), bilinear
    evaluation at 416; 128 neck/head channels."""
    cfg = load_cfg(name)
    assert cfg.default_scope == 'mmdet' and 'pplc_vision' in cfg.custom_imports.imports
    assert cfg.model.bbox_head.num_classes == 80 and cfg.model.bbox_head.reg_max == 7
    assert cfg.model.neck.out_channels == cfg.model.bbox_head.in_channels == \
        cfg.model.bbox_head.feat_channels == 128
    _assert_schedule(cfg, lr=0.3, weight_decay=1e-4, epochs=280, batch=56)
    assert cfg.model.data_preprocessor.batch_augments is None
    assert _resizes(cfg, 'train_dataloader') == [((416, 416), False, 'bilinear')]
    assert _resizes(cfg, 'test_dataloader') == [((416, 416), False, 'bilinear')]
    assert cfg.val_dataloader == cfg.test_dataloader
    assert cfg.data_root == 'data/coco/'


# config: its train batch per GPU (legacy_model/more_config/picodet_lcnet_1_5x_416_coco.yml: 80,
# picodet_lcnet_1_0x_416_coco.yml: 90; PaddleDetection at 666f597fd0)
CSPPAN_BATCH = {'picodet-csppan_pplcnet_1.5x_coco.py': 80, 'picodet-csppan_pplcnet_1x_coco.py': 90}


@pytest.mark.parametrize('name', CSPPAN_CONFIGS)
def test_csppan_config_follows_later_picodet(load_cfg, name):
    """PaddleDetection's picodet_lcnet_{1_5x,1_0x}_416_coco.yml (legacy_model/more_config)."""
    cfg = load_cfg(name)
    assert cfg.model.neck.type == 'PicoCSPPAN' and cfg.model.neck.extra_level
    head = cfg.model.bbox_head
    assert head.type == 'PicoVFLHead' and head.stacked_convs == 4
    assert head.anchor_generator.strides == [8, 16, 32, 64]
    assert (head.loss_cls.alpha, head.loss_cls.gamma, head.loss_cls.iou_weighted) == \
        (0.75, 2.0, True)
    assert head.loss_bbox.loss_weight == 2.0 and head.loss_dfl.loss_weight == 0.25
    assigner = cfg.model.train_cfg.assigner
    assert (assigner.type, assigner.candidate_topk, assigner.center_radius,
            assigner.iou_weight) == ('PicoSimOTAAssigner', 10, 2.5, 6.0)
    _assert_schedule(cfg, lr=0.4, weight_decay=4e-5, epochs=300, batch=CSPPAN_BATCH[name],
                     neck_bn_decays=True)
    assert cfg.model.data_preprocessor.batch_augments is None
    collate = cfg.train_dataloader.collate_fn  # BatchRandomResize (test_reader_operators.py)
    assert (collate.type, collate.sizes, collate.random_interp) == \
        ('batch_random_resize_collate', [352, 384, 416, 448, 480], True)
    assert _resizes(cfg, 'test_dataloader') == [((416, 416), False, 'bicubic')]


def test_csppan_1_5x_differs_from_1x_in_width_and_batch_only(load_cfg):
    wide, base = load_cfg(CSPPAN_CONFIGS[0]), load_cfg(CSPPAN_CONFIGS[1])
    expected = copy.deepcopy(base.model)
    expected.backbone.widen_factor = 1.5
    expected.neck.widen_factor = 1.5  # the neck scales its inputs with the backbone
    assert wide.model == expected
    for key in ('val_dataloader', 'param_scheduler', 'optim_wrapper', 'train_cfg',
                'custom_hooks'):
        assert wide[key] == base[key], key
    assert wide.train_dataloader == dict(base.train_dataloader, batch_size=80)


def test_csppan_1_5x_size_matches_paddledetection(load_cfg):
    """PaddleDetection's PicoDet-LCNet-1.5x has 3.10M parameters."""
    model = MODELS.build(load_cfg(CSPPAN_CONFIGS[0]).model)
    params = sum(p.numel() for p in model.parameters())
    assert params == pytest.approx(3.10e6, rel=0.01)


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_config_builds_and_predicts(load_cfg, name):
    cfg = load_cfg(name)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    backbone = model.backbone
    assert [backbone.out_channels[i] for i in cfg.model.backbone.out_indices] == \
        model.neck.in_channels
    img = torch.randint(0, 256, (3, 200, 300), dtype=torch.uint8)
    sample = DetDataSample(metainfo=dict(img_shape=(200, 300), ori_shape=(200, 300),
                                         scale_factor=(1.0, 1.0)))
    data = model.data_preprocessor(dict(inputs=[img], data_samples=[sample]), False)
    assert data['inputs'].shape[-2:] == (224, 320)  # padded to a multiple of 32
    with torch.no_grad():
        result = model(**data, mode='predict')[0]
    pred = result.pred_instances
    assert len(pred) <= 100
    assert pred.bboxes.shape == (len(pred), 4) and torch.isfinite(pred.bboxes).all()
    if len(pred):
        assert pred.labels.max() < cfg.model.bbox_head.num_classes


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_config_trains_a_few_steps(load_cfg, demo_coco, name):
    cfg = load_cfg(name)
    cfg.model.bbox_head.num_classes = 3
    # smaller images keep the test fast: fixed 256 x 256 instead of a random 352..480 size
    # (demo_batch sets the per-batch resize's sizes to [256])
    for t in cfg.train_dataloader.dataset.get('pipeline') or \
            cfg.train_dataloader.dataset.dataset.pipeline:
        if t.type == 'Resize':
            t.scale = (256, 256)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    cfg.optim_wrapper.optimizer.lr = 0.01  # the recipe's lr scaled for a batch of 2
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    norm_groups = [g for g in optim.optimizer.param_groups if g['params'][0].dim() == 1]
    assert any(g['weight_decay'] == 0 for g in norm_groups)  # no decay on BN
    batch = model.data_preprocessor(demo_batch(cfg, demo_coco), True)
    losses = []
    for _ in range(12):
        loss, log_vars = model.parse_losses(model(**batch, mode='loss'))
        optim.update_params(loss)
        losses.append(float(loss))
    assert np.isfinite(losses).all(), losses
    assert np.mean(losses[-3:]) < losses[0], losses  # GFL's QFL term can rise at first


@pytest.mark.parametrize('name', ALL_CONFIGS + (MOBILEONE_CONFIG, ))
def test_schedule_lengths_follow_the_loop(load_cfg, name):
    cfg = load_cfg(name)
    cosine, warmup = cfg.param_scheduler[:2]
    assert cosine.type == 'CosineDecayLR' and cosine.get('T_max') is None  # T_max = end
    assert cosine.end == cfg.train_cfg.max_epochs == cfg.max_epochs
    assert warmup.type == 'LinearWarmupLR'
    assert warmup.end == cfg.warmup_iters and not warmup.by_epoch


def test_parameter_block_edits_reach_the_model(tmp_path):
    """Editing the 1x config's parameters changes everything derived from them."""
    cfg = edited_config(DET_CONFIGS / 'picodet_pplcnet_1x_coco.py', tmp_path,
                        classes="('cat', 'dog')", widen_factor='0.75', max_epochs='100')
    assert cfg.model.bbox_head.num_classes == 2
    assert cfg.train_dataloader.dataset.metainfo == dict(classes=('cat', 'dog'))
    assert cfg.val_dataloader.dataset.metainfo == dict(classes=('cat', 'dog'))
    assert cfg.model.backbone.widen_factor == 0.75
    model = MODELS.build(cfg.model)
    assert [model.backbone.out_channels[i] for i in cfg.model.backbone.out_indices] == \
        model.neck.in_channels == [96, 192, 384]
    assert cfg.train_cfg.max_epochs == cfg.param_scheduler[0].end == 100


def test_schedule_rebuilt_as_the_schedule_file_says(tmp_path):
    """A config inheriting the 1x one rebuilds the schedule with the line that
    _base_/schedules/picodet_280e.py documents, and its lengths follow."""
    child = tmp_path / 'child.py'
    child.write_text(f"""_base_ = {str(DET_CONFIGS / 'picodet_pplcnet_1x_coco.py')!r}
max_epochs = 50
warmup_iters = 30
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs),
                   dict(_base_.lr_warmup, end=warmup_iters)]
""")
    cfg = Config.fromfile(str(child))
    cosine, warmup = cfg.param_scheduler
    base = Config.fromfile(str(DET_CONFIGS / 'picodet_pplcnet_1x_coco.py')).param_scheduler
    assert cosine == dict(base[0], end=50)
    assert warmup == dict(base[1], end=30)


@pytest.mark.parametrize('name, neck_in_channels', [
    ('picodet_mobilenetv3-large_0.35x_coco.py', [16, 40, 56]),
    ('picodet_mobilenetv3-large_0.75x_coco.py', [32, 88, 120]),
    ('picodet_pplcnet_1x_coco.py', [128, 256, 512]),
])
def test_backbone_weight_decay_as_paddledetection(load_cfg, name, neck_in_channels):
    """Table 4's MobileNetV3 is the Paddle suite's, trained without weight decay on any of its
    parameters (PaddleDetection's conv_decay = norm_decay = 0); PP-LCNet's convs keep the
    recipe's 1e-4. Neck and head: 1e-4 on conv weights, none on BN."""
    cfg = load_cfg(name)
    if 'mobilenetv3' in name:
        assert (cfg.model.backbone.type, cfg.model.backbone.arch,
                tuple(cfg.model.backbone.out_indices)) == ('PaddleMobileNetV3', 'large', (2, 3, 4))
    model = MODELS.build(cfg.model)
    assert model.neck.in_channels == neck_in_channels
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {id(p): g['weight_decay'] for g in optim.optimizer.param_groups for p in g['params']}
    mobilenet = 'mobilenetv3' in name
    for key, p in model.named_parameters():
        if key.startswith('backbone.') and mobilenet:
            assert decay[id(p)] == 0.0, key
        elif p.dim() == 4:  # conv weights
            assert decay[id(p)] == 1e-4, key
    for key, module in model.named_modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            assert decay[id(module.weight)] == decay[id(module.bias)] == 0.0, key
