"""Every classification config loads, builds its model and gives the right logits; the recipe
values follow PaddleClas; get_flops / Table 2 helpers; the demo data is what the README says."""
import glob
import os
import os.path as osp
import re

import pytest
import torch

import pplc_vision  # noqa: F401
from pplc_vision.apis import ToolError, build_model_from_config, load_config
from pplc_vision.benchmark.markdown import render_complexity
from pplc_vision.benchmark.paper_data import TABLE2
from pplc_vision.benchmark.table_build import MACS_TOLERANCE, complexity_rows

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLS_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'cls', '*.py')))
SCALES = ('0.25x', '0.35x', '0.5x', '0.75x', '1x', '1.5x', '2x', '2.5x')
DEMO = osp.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_demo-fashion-mnist.py')


def test_public_config_names():
    names = {osp.basename(p) for p in CLS_CONFIGS}
    assert {f'pplcnet_{s}_in1k.py' for s in SCALES} <= names
    assert osp.basename(DEMO) in names


@pytest.mark.parametrize('path', CLS_CONFIGS, ids=osp.basename)
def test_config_builds_and_classifies(path):
    cfg = load_config(path)
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.custom_imports == dict(imports=['pplc_vision'], allow_failed_imports=False)
    model = build_model_from_config(cfg)
    if cfg.model.backbone.type in ('PPLCNet', 'PaddleMobileNetV3'):
        assert model.head.in_channels == model.backbone.out_channels[-1]
    num_classes = cfg.model.head.num_classes
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 224, 224))
    assert logits.shape == (1, num_classes)
    assert num_classes == (10 if 'fashion-mnist' in osp.basename(path) else 1000)


@pytest.mark.parametrize('scale', SCALES)
def test_in1k_recipe(scale):
    cfg = load_config(osp.join(ROOT, 'configs', 'cls', f'pplcnet_{scale}_in1k.py'))
    assert cfg.model.backbone.widen_factor == float(scale[:-1])
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum) == ('SGD', 0.8, 0.9)
    # PaddleClas PPLCNet_x*.yaml: L2 3e-5 up to 1x, 4e-5 from 1.5x on
    assert opt.weight_decay == (4e-5 if float(scale[:-1]) >= 1.5 else 3e-5)
    assert cfg.optim_wrapper.paramwise_cfg.norm_decay_mult == 0.0
    assert cfg.train_dataloader.batch_size * 8 == cfg.auto_scale_lr.base_batch_size == 2048
    assert cfg.train_cfg.max_epochs == 360
    # PaddleClas' `Cosine` (ppcls/optimizer/learning_rate.py at 71abe2e9b, the commit of
    # PPLCNet_x*.yaml): LinearWarmup from 0 (warmup_start_lr 0.0) over 5 epochs, then
    # CosineAnnealingDecay from the full lr to 0 over the remaining 355 epochs (the Runner ends
    # the cosine at max_epochs: end and T_max unset), both in iterations
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.begin, warmup.end, warmup.by_epoch,
            warmup.convert_to_iter_based) == ('LinearWarmupLR', 0.0, 0, 5, True, True)
    assert (cosine.type, cosine.begin, cosine.get('end'), cosine.get('T_max'),
            cosine.get('warmup_iters', 0), cosine.eta_min, cosine.by_epoch,
            cosine.convert_to_iter_based) == ('CosineDecayLR', 5, None, None, 0, 0.0, True, True)
    assert cfg.train_dataloader.dataset.data_root == 'data/imagenet/'
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original')
    train_types = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert train_types[1:3] == ['PaddleClasRandCropImage', 'RandomFlip']
    assert ('AutoAugment' in train_types) == (scale == '2.5x')  # PaddleClas PPLCNet_x2_5.yaml
    test_types = [t.type for t in cfg.test_dataloader.dataset.pipeline]
    assert test_types == ['LoadImageFromFile', 'PaddleClasResizeShort', 'PaddleClasCenterCrop',
                          'PackInputs']
    assert cfg.train_dataloader.dataset.type == cfg.test_dataloader.dataset.type == \
        'CheckedImageNet'


# PaddleClas ppcls/configs/ImageNet/MobileNetV3/MobileNetV3_<arch>_x<w>.yaml: (total batch, lr,
# L2 coeff, AutoAugment); total batch = PaddleClas' 4 GPUs x its batch_size
MOBILENETV3_RECIPES = {
    'large_0.35x': (2048, 1.3, 2e-5, False), 'large_0.5x': (2048, 1.3, 2e-5, False),
    'large_0.75x': (2048, 1.3, 2e-5, False), 'large_1x': (1024, 0.65, 2e-5, True),
    'small_0.35x': (2048, 1.3, 1e-5, False), 'small_1.25x': (2048, 1.3, 2e-5, False),
}


@pytest.mark.parametrize('name', sorted(MOBILENETV3_RECIPES))
def test_mobilenetv3_in1k_recipe(name):
    from pplc_vision.converters import build_mobilenet_v3_classifier
    from pplc_vision.converters.checkpoint import state_dict_mismatch
    path = osp.join(ROOT, 'configs', 'cls', f'mobilenetv3-{name}_in1k.py')
    cfg = load_config(path)
    arch, width = name[:-1].split('_')
    backbone = cfg.model.backbone
    assert (backbone.type, backbone.arch, backbone.widen_factor, backbone.with_last_conv) == (
        'PaddleMobileNetV3', arch, float(width), True)
    # the model is the converter's (so load_from takes converted PaddleClas weights)
    converted = build_mobilenet_v3_classifier(arch, float(width))
    assert state_dict_mismatch(converted.state_dict(), build_model_from_config(cfg)) == []
    head = cfg.model.head
    assert (head.mid_channels, head.last_conv_bias, head.dropout_rate) == (1280, False, 0.2)
    batch, lr, weight_decay, autoaugment = MOBILENETV3_RECIPES[name]
    assert cfg.train_dataloader.batch_size * 8 == cfg.auto_scale_lr.base_batch_size == batch
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', lr, 0.9, weight_decay)
    assert cfg.optim_wrapper.paramwise_cfg.norm_decay_mult == 0.0
    assert cfg.train_cfg.max_epochs == 360
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original')
    train_types = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert train_types[1:3] == ['PaddleClasRandCropImage', 'RandomFlip']
    assert ('AutoAugment' in train_types) == autoaugment
    with open(path) as f:
        block = f.read().split('parameters that often need to be modified')[1].split('\n# ====')[0]
    for var in ('arch', 'widen_factor', 'train_batch_size_per_gpu', 'base_lr', 'weight_decay',
                'load_from'):
        assert re.search(rf'^{var} = ', block, re.M), (name, var)


def test_leaf_configs_start_with_parameter_block():
    for scale in SCALES:
        with open(osp.join(ROOT, 'configs', 'cls', f'pplcnet_{scale}_in1k.py')) as f:
            text = f.read()
        block = text.split('parameters that often need to be modified')[1]
        block = block.split('\n# ====')[0]  # up to the closing rule
        # the 1x config holds the recipe; the other scales inherit it and set their own widths
        names = ('data_root', 'widen_factor', 'train_batch_size_per_gpu', 'base_lr',
                 'max_epochs', 'load_from') if scale == '1x' else ('widen_factor',
                                                                    'weight_decay', 'load_from')
        for name in names:
            assert re.search(rf'^{name} = ', block, re.M), (scale, name)


def test_load_config_errors(tmp_path):
    with pytest.raises(ToolError, match='does not exist'):
        load_config(str(tmp_path / 'missing.py'))
    cfg = load_config(DEMO, {'train_cfg.max_epochs': 3})
    assert cfg.train_cfg.max_epochs == 3


def test_table2_rows_and_rendering():
    assert [r.name for r in TABLE2] == [f'PP-LCNet-{s}' for s in SCALES]
    rows = complexity_rows([TABLE2[0], TABLE2[-1]], root=ROOT)
    assert MACS_TOLERANCE == 0.02  # MACs within 2% of Table 2 (README model table: <= 1.6%)
    for r in rows:
        assert r.matches and abs(r.macs_rel_diff) <= MACS_TOLERANCE, r
    text = render_complexity(rows)
    # the rows are the ones the README's model table states (params_table.py's output)
    with open(osp.join(ROOT, 'README.md')) as f:
        readme = f.read()
    for line in text.splitlines()[4:]:
        assert line in readme, line
    assert '| PP-LCNet-0.25x | 1.5 | 1.521 | 18 | 18.3 | +1.4% | yes |' in text


def test_demo_data_layout():
    root = osp.join(ROOT, 'data', 'demo_cls')
    with open(osp.join(root, 'meta', 'classes.txt')) as f:
        classes = f.read().split()
    assert len(classes) == 10 and classes == sorted(classes)
    for split, count in (('train', 60), ('val', 20)):
        assert sorted(os.listdir(osp.join(root, split))) == classes
        for name in classes:
            assert len(glob.glob(osp.join(root, split, name, '*.png'))) == count
    size = sum(osp.getsize(p) for p in glob.glob(osp.join(root, '**', '*'), recursive=True)
               if osp.isfile(p))
    assert size < 1_000_000
