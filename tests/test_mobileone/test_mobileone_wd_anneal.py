"""MobileOne's weight-decay annealing (configs/_base_/schedules/mobileone_wd_anneal.py): the decay
follows a cosine to a tenth of its start over training while zero-decay groups stay at zero, with
mmdet's and mmpretrain's optimizer wrappers and inside a real Runner."""
import copy
import math
from pathlib import Path
from typing import Dict, List

import mmpretrain
import pytest
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS
from mmengine.runner import Runner

from mobileone_helpers import DET_CONFIG, SEG_CONFIG, WD_ANNEAL
from seg_helpers import small_training_config, write_tiny_cityscapes

from pplc_vision.apis import build_model_from_config

MMPRETRAIN_RECIPE = (Path(mmpretrain.__file__).parent / '.mim' / 'configs' / 'mobileone' /
                     'mobileone-s0_8xb32_in1k.py')
EPOCH_LENGTH = 2  # iterations an epoch: the schedules run their full length, on no data


def wd_scheduler(cfg: Config) -> dict:
    (wd, ) = [s for s in cfg.param_scheduler if s.get('param_name') == 'weight_decay']
    return wd


def run_schedule(cfg: Config, epochs: int) -> Dict[str, List[List[float]]]:
    """Step ``cfg.param_scheduler`` as the Runner does over ``epochs`` epochs of EPOCH_LENGTH
    iterations on ``cfg.model``'s optimizer; the lr and weight decay of every param group at
    each iteration, and at the end."""
    model = build_model_from_config(cfg)
    optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    schedulers = []
    for s in copy.deepcopy(cfg.param_scheduler):
        s.setdefault('end', epochs if s.get('by_epoch', True) else epochs * EPOCH_LENGTH)
        schedulers.append(PARAM_SCHEDULERS.build(
            s, default_args=dict(optimizer=optim, epoch_length=EPOCH_LENGTH)))
    history = dict(lr=[], weight_decay=[])

    def record():
        for key in history:
            history[key].append([g[key] for g in optim.param_groups])

    for _ in range(epochs):  # as ParamSchedulerHook: iteration-based ones after each iteration
        for _ in range(EPOCH_LENGTH):
            record()
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    record()
    return history


def check_annealed(decay: List[List[float]], start: float) -> None:
    """Positive groups: ``start`` -> ``start / 10`` along a cosine; zero groups: 0 throughout."""
    first, mid, last = decay[0], decay[len(decay) // 2], decay[-1]
    zero = [i for i, wd in enumerate(first) if wd == 0]
    assert zero and len(zero) < len(first)  # norm_decay_mult=0 made some zero-decay groups
    assert all(step[i] == 0 for step in decay for i in zero)
    for i, wd in enumerate(first):
        if i in zero:
            continue
        assert wd == start
        assert mid[i] == pytest.approx(start * 0.55, rel=1e-3)  # half-way on the cosine
        # mmengine's `end` is exclusive: the last value is the cosine's one before its minimum
        assert last[i] == pytest.approx(start * 0.1, rel=1e-3)
        assert all(a[i] >= b[i] for a, b in zip(decay, decay[1:]))


def test_config_switch_appends_the_scheduler(load_mobileone_config):
    for config in (DET_CONFIG, SEG_CONFIG):
        plain, annealed = load_mobileone_config(config), load_mobileone_config(config, True)
        assert annealed.param_scheduler[:-1] == plain.param_scheduler
        wd = wd_scheduler(annealed)
        assert (wd.type, wd.eta_min_ratio) == ('CosineAnnealingParamScheduler', 0.1)
    assert wd_scheduler(load_mobileone_config(DET_CONFIG, True)).end == 280  # epochs
    assert wd_scheduler(load_mobileone_config(SEG_CONFIG, True)).end == 80000  # iterations


def test_detection_recipe_anneals_and_keeps_norm_decay_zero(load_mobileone_config):
    annealed = load_mobileone_config(DET_CONFIG, True)
    epochs = annealed.train_cfg.max_epochs
    history = run_schedule(annealed, epochs)
    decay = annealed.optim_wrapper.optimizer.weight_decay
    assert decay == 1e-4  # the Table 4 recipe's (PaddleDetection 35388eb7d4), inherited
    check_annealed(history['weight_decay'], start=decay)
    plain = run_schedule(load_mobileone_config(DET_CONFIG), epochs)
    assert history['lr'] == plain['lr']  # the learning-rate schedule is untouched
    assert set(plain['weight_decay'][-1]) == {0.0, decay}


def test_mmpretrain_recipe_with_ratio_keeps_norm_decay_zero():
    """mmpretrain's own MobileOne recipe anneals to an absolute eta_min=1e-5, which lifts the
    zero-decay (norm) groups to 1e-5; our ratio form anneals 1e-4 -> 1e-5 and keeps them at 0."""
    cfg = Config.fromfile(str(MMPRETRAIN_RECIPE))
    epochs = cfg.train_cfg.max_epochs
    base = Config.fromfile(str(WD_ANNEAL))
    upstream = wd_scheduler(cfg)
    assert upstream.eta_min == 1e-5 and cfg.optim_wrapper.paramwise_cfg.norm_decay_mult == 0
    cfg.model.backbone.arch = 's0'
    history = run_schedule(cfg, epochs)
    norm = [i for i, wd in enumerate(history['weight_decay'][0]) if wd == 0]
    assert norm and all(history['weight_decay'][-1][i] == pytest.approx(1e-5, rel=1e-3)
                        for i in norm)

    cfg.param_scheduler = [s for s in cfg.param_scheduler if s is not upstream] + [
        dict(base.weight_decay_annealing, by_epoch=True, end=epochs)]
    check_annealed(run_schedule(cfg, epochs)['weight_decay'], start=1e-4)


def test_runner_anneals_weight_decay(load_mobileone_config, tmp_path):
    iters = 3
    cfg = load_mobileone_config(SEG_CONFIG, True)
    wd = dict(wd_scheduler(cfg), end=iters)
    cfg = small_training_config(cfg, write_tiny_cityscapes(tmp_path / 'cityscapes'),
                                tmp_path / 'work')
    cfg.train_cfg.max_iters = iters
    cfg.param_scheduler.append(wd)
    cfg.optim_wrapper.paramwise_cfg = dict(norm_decay_mult=0.0)
    runner = Runner.from_cfg(cfg)
    runner.train()
    decay = sorted({g['weight_decay'] for g in runner.optim_wrapper.param_groups})
    # the cosine from 4e-5 to 4e-6 after its last step (iters - 1; `end` is exclusive)
    expected = 4e-6 + (4e-5 - 4e-6) * (1 + math.cos(math.pi * (iters - 1) / iters)) / 2
    assert decay == pytest.approx([0.0, expected], rel=1e-6)
