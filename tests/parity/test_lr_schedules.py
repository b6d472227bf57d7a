"""Learning-rate curves equal the authors': every ImageNet, COCO and Cityscapes config's
``param_scheduler`` against the Paddle scheduler its upstream recipe builds, at 50 iterations
spread over the whole run (closed form on both sides), for the steps-per-epoch stated per recipe;
and the closed-form phases stepped as mmengine's Runner steps them, every iteration of short
synthetic epochs, against the same Paddle schedulers.

Upstream values embedded here (file and commit):

- PaddleClas ``ppcls/configs/ImageNet/PPLCNet/PPLCNet_x*.yaml`` (71abe2e9b): ``Cosine``, lr 0.8
  for 512 images x 4 GPUs, 360 epochs, warmup_epoch 5 (warmup_start_lr 0.0, the default of
  ``ppcls/optimizer/learning_rate.py``).
- PaddleClas ``ppcls/configs/ImageNet/MobileNetV3/MobileNetV3_*.yaml``: lr 1.3 for 2048 images
  (large_1x: 0.65 for 1024), 360 epochs, warmup_epoch 5.
- PaddleClas ``ppcls/configs/ImageNet/Distillation/PPLCNet_x*_ssld.yaml`` (as the configs'
  headers cite them): lr 0.4 for 1024 images, 200 epochs (2.5x: 0.2, 100 epochs), warmup_epoch
  5; our configs train 2048 images per iteration, so the reference is the yaml's rate scaled
  linearly to that batch (the same curve over the same epochs).
- PaddleDetection ``configs/picodet/_base_/optimizer_300e.yml`` (1fa998be68, the CSP-PAN
  configs): base_lr 0.4, ``CosineDecay`` max_epochs 300, ``LinearWarmup`` 300 steps from 0.1,
  80 images x 4 GPUs (the 1x config: 90, ``picodet_lcnet_1_0x_416_coco.yml``, 2fedefa3f2);
  ``optimizer_280e.yml`` (35388eb7d4, the Table 4 configs): base_lr 0.3, 280 epochs, the same
  warm-up, 56 images x 4 GPUs; TrainReader ``drop_last: true``. Both with ``ppdet/optimizer.py``
  before bba88f6791 (2021-11-17): the cosine counts from iteration 0.
- PaddleDetection ``configs/picodet/legacy_model/more_config/picodet_lcnet_1_5x_640_coco.yml``
  (6c61979146, 2022-03-21): base_lr 0.2, 24 images x 4 GPUs, the same 300 epochs and warm-up,
  with the wheel's ``CosineDecay`` (from bba88f6791: the cosine starts after the warm-up).
- The application detectors, the same schedule with ``_base_/optimizer_100e.yml`` (lr 0.4, 100
  epochs): ``application/layout_analysis/picodet_lcnet_x1_0_layout.yml`` (20037620e4, 24
  images per GPU), ``picodet_lcnet_cdla_layout.yml`` (7d341b1825, 150 epochs, 12 per GPU),
  ``mainbody_detection/picodet_lcnet_x2_5_640_mainbody.yml`` (bfc5bf1e5a, 2021-11-22, 56 per
  GPU), each on 4 GPUs as the configs' headers state.
- PaddleSeg ``configs/_base_/cityscapes.yml`` (v2.8.0, 2e51641a9a): ``PolynomialDecay`` from
  0.01, power 0.9, end_lr 0, over ``iters`` 80000.
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import glob
import os
from typing import Dict, List, NamedTuple

import numpy as np
import pytest
import torch
from mmengine.config import Config
from paddle_schedules import (COCO_TRAIN_IMAGES, IMAGENET_TRAIN_IMAGES, paddleclas_cosine,
                              paddledet_picodet, paddledet_picodet_v2, paddleseg_poly,
                              steps_per_epoch)
from paddle_schedules import lr_at as paddle_lr_at
from training_parity import build_schedulers, lr_at

import pplc_vision  # noqa: F401  (registers the closed-form phases)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: one point in 50 of the run, the first and last iteration included, and the warm-up's edges
POINTS = 50


class Recipe(NamedTuple):
    """An upstream schedule: the Paddle scheduler's builder and the run's length."""
    build: object  # (epoch_length) -> paddle LRScheduler
    max_epochs: int  # 0 for iteration-based runs
    epoch_length: int  # iterations per epoch (the run's length for iteration-based runs)
    warmup_end: int  # the warm-up's last iteration + 1 (0: none)


def _cls(lr: float, epochs: int, batch: int, gpus: int) -> Recipe:
    length = steps_per_epoch(IMAGENET_TRAIN_IMAGES, batch, gpus, drop_last=False)
    return Recipe(lambda n: paddleclas_cosine(lr, epochs, n, warmup_epoch=5), epochs, length,
                  5 * length)


def _det(lr: float, epochs: int, batch: int, build=paddledet_picodet,
         images: int = COCO_TRAIN_IMAGES) -> Recipe:
    length = steps_per_epoch(images, batch, 4, drop_last=True)
    return Recipe(lambda n: build(lr, epochs, n, 300, 0.1), epochs, length, 300)


SEG = Recipe(lambda n: paddleseg_poly(0.01, n, power=0.9), 0, 80000, 0)
PPLCNET = _cls(0.8, 360, 512, 4)
#: config file name pattern -> the upstream recipe it follows
RECIPES: Dict[str, Recipe] = {
    'cls/pplcnet_*_in1k.py': PPLCNET,
    'cls/ablations/*_in1k.py': PPLCNET,
    'cls/mobilenetv3-large_1x_in1k.py': _cls(0.65, 360, 256, 4),
    'cls/mobilenetv3-large_0.*_in1k.py': _cls(1.3, 360, 512, 4),
    'cls/mobilenetv3-small_*_in1k.py': _cls(1.3, 360, 512, 4),
    'cls/distill/ssld_pplcnet_0.5x_in1k.py': _cls(0.4 * 2, 200, 256, 8),
    'cls/distill/ssld_pplcnet_1x_in1k.py': _cls(0.4 * 2, 200, 256, 8),
    'cls/distill/ssld_pplcnet_2.5x_in1k.py': _cls(0.2 * 2, 100, 256, 8),
    'det/picodet-csppan_pplcnet_1.5x_coco.py': _det(0.4, 300, 80),
    'det/picodet-csppan_pplcnet_1x_coco.py': _det(0.4, 300, 90),
    'det/picodet-csppan_pplcnet_1.5x_640_coco.py': _det(0.2, 300, 24, paddledet_picodet_v2),
    'det/picodet_*_coco.py': _det(0.3, 280, 56),
    # application detectors (2021-11 and later: the cosine after the warm-up), train images
    # stated: PubLayNet's 335703, CDLA's 5000, 100000 for the mainbody mixture (its size is not
    # published; it only sets the epoch length)
    'det/picodet-csppan_pplcnet_1x_layout-publaynet.py':
        _det(0.4, 100, 24, paddledet_picodet_v2, images=335703),
    'det/picodet-csppan_pplcnet_1x_layout-cdla.py':
        _det(0.4, 150, 12, paddledet_picodet_v2, images=5000),
    'det/picodet-csppan_pplcnet_2.5x_640_mainbody.py':
        _det(0.4, 100, 56, paddledet_picodet_v2, images=100000),
    'seg/*_cityscapes.py': SEG,
}


def configs_and_recipes() -> List[tuple]:
    """Every ImageNet, COCO and Cityscapes config with its recipe (each matched exactly once)."""
    matched = {}
    for pattern, recipe in RECIPES.items():
        for path in glob.glob(os.path.join(ROOT, 'configs', pattern)):
            name = os.path.relpath(path, os.path.join(ROOT, 'configs'))
            assert name not in matched, f'{name} matches two recipes'
            matched[name] = recipe
    return sorted(matched.items())


def test_every_full_dataset_config_has_a_recipe():
    """No ImageNet, COCO or Cityscapes config escapes the curve check (PicoDet v2's are
    checked, each with its own batch and epochs, by tests/test_det/test_picodet_v2_schedules.py
    against the same ppdet schedule as ``paddledet_picodet_v2``)."""
    full = {os.path.relpath(p, os.path.join(ROOT, 'configs'))
            for suffix in ('_in1k.py', '_coco.py', '_cityscapes.py')
            for p in glob.glob(os.path.join(ROOT, 'configs', '**', '*' + suffix),
                               recursive=True)}
    full -= {name for name in full if name.startswith('det/picodet-v2_')}
    assert full <= {name for name, _ in configs_and_recipes()}
    assert len(full) > 40


def our_schedule(cfg: Config, epoch_length: int):
    """The config's optimizer (one parameter at the config's lr) and schedulers, built as the
    Runner builds them."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                lr=cfg.optim_wrapper.optimizer.lr)
    train = cfg.train_cfg
    return build_schedulers(optimizer, cfg.param_scheduler, epoch_length,
                            max_epochs=train.get('max_epochs'), max_iters=train.get('max_iters'))


def distinct_schedules() -> List[tuple]:
    """One config per distinct (recipe, schedule, lr, length): configs that share all of them
    (the ablations, the widths of a family) are one check."""
    seen, chosen = set(), []
    for name, recipe in configs_and_recipes():
        cfg = Config.fromfile(os.path.join(ROOT, 'configs', name))
        key = (id(recipe), repr(cfg.param_scheduler), cfg.optim_wrapper.optimizer.lr,
               repr(cfg.train_cfg))
        if key not in seen:
            seen.add(key)
            chosen.append(pytest.param(name, recipe, id=name))
    return chosen


def iterations(recipe: Recipe) -> np.ndarray:
    """POINTS iterations spread over the run, and the warm-up's edges."""
    total = recipe.max_epochs * recipe.epoch_length if recipe.max_epochs else recipe.epoch_length
    warmup = [recipe.warmup_end + d for d in (-1, 0, 1)] if recipe.warmup_end else []
    return np.unique(np.concatenate([np.linspace(0, total - 1, POINTS).astype(int), warmup]))


@pytest.mark.parametrize('name, recipe', distinct_schedules())
def test_learning_rate_curve_equals_upstream(name, recipe):
    """At 50 iterations over the run (and either side of the warm-up's end) the config's rate
    equals the upstream scheduler's to 1e-9 (relative)."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', name))
    schedulers = our_schedule(cfg, recipe.epoch_length)
    theirs = recipe.build(recipe.epoch_length)
    points = iterations(recipe)
    ours_lr = np.array([lr_at(schedulers, int(t))[0] for t in points])
    theirs_lr = np.array([paddle_lr_at(theirs, int(t)) for t in points])
    np.testing.assert_allclose(ours_lr, theirs_lr, rtol=1e-9, atol=1e-12,
                               err_msg=f'{name}: lr at iterations {points.tolist()}')
    assert theirs_lr.max() > 0 and ours_lr[-1] < 0.01 * theirs_lr.max()


@pytest.mark.parametrize('kind', ['cls', 'det', 'det-v2', 'seg'])
def test_phases_stepped_like_the_runner(kind):
    """Stepped every iteration as mmengine's ParamSchedulerHook steps them (built, then
    ``step()`` of each after every iteration), over short synthetic epochs, the closed-form
    phases give Paddle's rate at every iteration, and the jump of ``lr_at`` agrees."""
    epoch_length, max_epochs = 7, 12
    if kind == 'cls':
        cfg_sched = [dict(type='LinearWarmupLR', start_factor=0.0, by_epoch=True, begin=0,
                          end=5, convert_to_iter_based=True),
                     dict(type='CosineDecayLR', eta_min=0.0, by_epoch=True, begin=5,
                          convert_to_iter_based=True)]
        theirs = paddleclas_cosine(0.8, max_epochs, epoch_length, warmup_epoch=5)
    elif kind == 'det':
        cfg_sched = [dict(type='CosineDecayLR', eta_min=0.0, by_epoch=True, begin=0,
                          end=max_epochs, convert_to_iter_based=True),
                     dict(type='LinearWarmupLR', start_factor=0.1, by_epoch=False, begin=0,
                          end=20)]
        theirs = paddledet_picodet(0.8, max_epochs, epoch_length, 20, 0.1)
    elif kind == 'det-v2':
        cfg_sched = [dict(type='CosineDecayLR', eta_min=0.0, warmup_iters=20, by_epoch=True,
                          begin=0, end=max_epochs, convert_to_iter_based=True),
                     dict(type='LinearWarmupLR', start_factor=0.1, by_epoch=False, begin=0,
                          end=20)]
        theirs = paddledet_picodet_v2(0.8, max_epochs, epoch_length, 20, 0.1)
    else:
        cfg_sched = [dict(type='PolynomialDecayLR', eta_min=0.0, power=0.9, begin=0,
                          by_epoch=False, end=max_epochs * epoch_length)]
        theirs = paddleseg_poly(0.8, max_epochs * epoch_length, power=0.9)
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(lr=0.8)), param_scheduler=cfg_sched,
                      train_cfg=dict(max_epochs=max_epochs, max_iters=max_epochs * epoch_length)))
    schedulers = our_schedule(cfg, epoch_length)
    jumped = our_schedule(cfg, epoch_length)
    optimizer = schedulers[0].optimizer
    ours, reference, jumps = [], [], []
    for t in range(max_epochs * epoch_length):
        ours.append(optimizer.param_groups[0]['lr'])  # the rate iteration t trains with
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
        reference.append(paddle_lr_at(theirs, t))
        jumps.append(lr_at(jumped, t)[0])
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(jumps, ours, rtol=1e-12, atol=1e-15)
