"""The learning rate of every PicoDet v2 config against PaddleDetection's own schedule:
``ppdet.optimizer.LearningRate(base_lr, [CosineDecay(max_epochs), LinearWarmup(300, 0.1)])``
(paddledet 2.6.0 wheel) at 50 iterations spread over the training, for the stated number of
iterations per epoch on 4 GPUs.

Upstream values, from PaddleDetection 666f597fd0
(configs/picodet/picodet_{xs,s,m,l}_*_coco_lcnet.yml
with _base_/optimizer_300e.yml; application/pedestrian_detection/picodet_s_{192,320}_lcnet_
pedestrian.yml): batch per GPU, base_lr, training epochs and the cosine's max_epochs. Our
scheduler is built from each config as the runner builds it (by epoch, converted to iterations)
and placed at each sampled iteration.
"""
import paddle  # noqa: F401  first: Paddle runs much slower when torch was imported before it

import importlib
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS, init_default_scope

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GPUS = 4
COCO_TRAIN_IMAGES = 117266  # train2017 images with boxes (ppdet's COCODataSet drops the others)
AIC_TRAIN_IMAGES = 210000  # stated for the pedestrian configs (AI Challenger keypoint train)
WARMUP_STEPS, WARMUP_FACTOR = 300, 0.1  # _base_/optimizer_300e.yml
# config -> (batch per GPU, base_lr, epochs, CosineDecay.max_epochs, train images), upstream's
UPSTREAM = {
    'picodet-v2_xs_320_coco': (64, 0.32, 300, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_xs_416_coco': (56, 0.28, 300, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_s_320_coco': (64, 0.32, 300, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_s_416_coco': (48, 0.24, 300, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_m_320_coco': (48, 0.24, 300, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_m_416_coco': (48, 0.24, 250, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_l_320_coco': (24, 0.12, 250, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_l_416_coco': (24, 0.12, 250, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_l_640_coco': (12, 0.06, 200, 300, COCO_TRAIN_IMAGES),
    'picodet-v2_s_320_pedestrian': (64, 0.32, 300, 300, AIC_TRAIN_IMAGES),
    'picodet-v2_s_192_pedestrian': (64, 0.32, 300, 300, AIC_TRAIN_IMAGES),
}
SAMPLES = 50


def their_lrs(base_lr: float, cosine_epochs: int, steps_per_epoch: int,
              iterations: np.ndarray, warmup_steps: int = WARMUP_STEPS) -> np.ndarray:
    """ppdet's learning rate at each of ``iterations``."""
    optimizer = importlib.import_module('ppdet.optimizer.optimizer')
    schedule = optimizer.LearningRate(base_lr=base_lr, schedulers=[
        optimizer.CosineDecay(max_epochs=cosine_epochs),
        optimizer.LinearWarmup(steps=warmup_steps, start_factor=WARMUP_FACTOR)
    ])(steps_per_epoch)
    values = []
    for i in iterations:
        schedule.last_epoch = int(i)
        values.append(schedule.get_lr())
    return np.array(values)


def our_lrs(cfg: Config, steps_per_epoch: int, iterations: np.ndarray) -> np.ndarray:
    """The config's learning rate at each of ``iterations``: its schedulers built as the runner
    builds them, each placed just before the iteration and stepped once into it."""
    init_default_scope('mmdet')
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = [PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=optimizer,
                                                              epoch_length=steps_per_epoch))
                  for s in cfg.param_scheduler]
    values = []
    for i in iterations:
        for scheduler in schedulers:
            if i:
                scheduler._global_step = scheduler.last_step = int(i) - 1
                scheduler.step()
        values.append(optimizer.param_groups[0]['lr'])
    return np.array(values)


def sampled_iterations(total: int) -> np.ndarray:
    """50 iterations over ``0 .. total - 1``: the warm-up's first, middle and last, its end,
    and the rest spread evenly up to the last iteration."""
    fixed = [0, 1, WARMUP_STEPS // 2, WARMUP_STEPS - 1, WARMUP_STEPS, WARMUP_STEPS + 1,
             total - 1]
    spread = np.linspace(WARMUP_STEPS + 2, total - 2, SAMPLES - len(fixed)).astype(int)
    return np.unique(np.concatenate([fixed, spread]))


@pytest.mark.parametrize('name', UPSTREAM)
def test_lr_equals_paddledetection(name):
    batch, base_lr, epochs, cosine_epochs, images = UPSTREAM[name]
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'det', f'{name}.py'))
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.auto_scale_lr.base_batch_size == GPUS * batch
    assert cfg.optim_wrapper.optimizer.lr == base_lr
    assert cfg.train_cfg.max_epochs == epochs
    steps_per_epoch = images // (GPUS * batch)  # drop_last, as ppdet's reader
    iterations = sampled_iterations(epochs * steps_per_epoch)
    assert len(iterations) == SAMPLES
    theirs = their_lrs(base_lr, cosine_epochs, steps_per_epoch, iterations)
    ours = our_lrs(cfg, steps_per_epoch, iterations)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    if epochs < cosine_epochs:  # upstream stops before the cosine reaches 0
        assert theirs[-1] > 0.05 * base_lr


def test_demo_lr_equals_paddledetection_with_its_values():
    """The demo config's short schedule (20 warm-up iterations, 12 epochs of 10 iterations)
    is ppdet's schedule with those values."""
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'det', 'picodet-v2_s_320_demo-voc.py'))
    steps_per_epoch, epochs = cfg.repeat, cfg.train_cfg.max_epochs  # 2 photos, batch 2
    iterations = np.arange(epochs * steps_per_epoch)
    theirs = their_lrs(cfg.optim_wrapper.optimizer.lr, epochs, steps_per_epoch, iterations,
                       warmup_steps=cfg.warmup_iters)
    np.testing.assert_allclose(our_lrs(cfg, steps_per_epoch, iterations), theirs, rtol=1e-9,
                               atol=1e-12)
