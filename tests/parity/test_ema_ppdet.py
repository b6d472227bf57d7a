"""The detectors' EMA equals PaddleDetection's ``ModelEMA`` as its trainer evaluates and saves
it: the bias-corrected ``apply()`` (``ppdet/optimizer/ema.py`` of the paddledet 2.6.0 wheel; the
same update and ``apply()`` in ``ppdet/optimizer.py`` at 35388eb7d4 and 1fa998be68, the commits
of our PicoDet configs), and its ``cycle_epoch`` restart.

Settings embedded from PaddleDetection (``ppdet/engine/trainer.py`` at 1fa998be68): ``ModelEMA(
model, decay=ema_decay (default 0.9998), use_thres_step=True, cycle_epoch=cycle_epoch)``, PicoDet's
``cycle_epoch: 40`` (``configs/picodet/_base_/optimizer_300e.yml``). The 2021 trainer called
``apply()`` once per epoch, so ``cycle_epoch`` counted epochs; ours restarts at the start of
epoch ``k * reset_interval`` (after the previous epoch's evaluation and checkpoint, which used the
old average, as ``apply()`` returned it before resetting).

A small conv + BN model stands in for the detector (the EMA is per tensor: parameters and BN
statistics, as both sides average the whole state); the settings are the detector config's.
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from training_parity import norm_error

import pplc_vision  # noqa: F401  (registers ThresholdEMA and PeriodicResetEMAHook)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = ['configs/det/picodet-csppan_pplcnet_1.5x_coco.py',
           'configs/det/picodet_pplcnet_1x_coco.py']
#: Paddle's state names -> ours
NAMES = {'conv.weight': '0.weight', 'conv.bias': '0.bias', 'bn.weight': '1.weight',
         'bn.bias': '1.bias', 'bn._mean': '1.running_mean', 'bn._variance': '1.running_var'}


class PaddleNet(paddle.nn.Layer):
    def __init__(self) -> None:
        super().__init__()
        self.conv = paddle.nn.Conv2D(3, 8, 3)
        self.bn = paddle.nn.BatchNorm2D(8)


def torch_net() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8))


class Runner:
    """What PeriodicResetEMAHook reads of a Runner: the epoch and a logger."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self.logger = type('Logger', (), dict(info=staticmethod(lambda msg: None)))()


def ema_hook_cfg(config: str) -> dict:
    cfg = Config.fromfile(os.path.join(ROOT, config))
    (hook, ) = [h for h in cfg.custom_hooks if h['type'] == 'PeriodicResetEMAHook']
    return hook


@pytest.mark.parametrize('config', CONFIGS)
def test_detector_ema_settings_are_ppdets(config):
    """decay 0.9998 with the thresholded warm-up, BN statistics averaged, restart every 40
    epochs."""
    hook = ema_hook_cfg(config)
    assert (hook['ema_type'], hook['decay'], hook['update_buffers'], hook['reset_interval']) == \
        ('ThresholdEMA', 0.9998, True, 40)


def test_ema_equals_ppdet_model_ema_apply():
    """After 5 updates (weights changing between them) our EMA model equals ppdet's
    ``ModelEMA.apply()`` within 1e-6 for every tensor; ppdet's raw average (``state_dict``,
    not bias-corrected) is not what we keep; after ppdet's cycle_epoch reset and our restart,
    3 more updates agree again."""
    from mmdet.registry import HOOKS, MODELS
    from ppdet.optimizer import ModelEMA
    hook_cfg = ema_hook_cfg(CONFIGS[0])
    cycle = 2  # ppdet's cycle_epoch; our reset_interval in epochs (one apply() per epoch)
    paddle.seed(0)
    theirs, ours = PaddleNet(), torch_net()
    their_ema = ModelEMA(theirs, decay=hook_cfg['decay'], ema_decay_type='threshold',
                         cycle_epoch=cycle)
    hook = HOOKS.build(dict(hook_cfg, reset_interval=cycle))
    hook.ema_model = MODELS.build(dict(type=hook_cfg['ema_type'], model=ours,
                                       decay=hook_cfg['decay'],
                                       update_buffers=hook_cfg['update_buffers']))
    rng = np.random.default_rng(0)

    def new_weights() -> None:
        """The same new state on both sides (a training step's worth of change)."""
        state = {k: (v.numpy() + rng.standard_normal(v.shape)).astype(np.float32)
                 for k, v in theirs.state_dict().items()}
        state = {k: np.abs(v) if k.endswith('_variance') else v for k, v in state.items()}
        theirs.set_state_dict({k: paddle.to_tensor(v) for k, v in state.items()})
        ours.load_state_dict({NAMES[k]: torch.from_numpy(v) for k, v in state.items()},
                             strict=False)

    def update(times: int) -> None:
        for _ in range(times):
            new_weights()
            their_ema.update(theirs)
            hook.ema_model.update_parameters(ours)

    def errors(reference: dict) -> dict:
        averaged = hook.ema_model.module.state_dict()
        return {k: norm_error(averaged[NAMES[k]].numpy(), v.numpy())
                for k, v in reference.items()}

    update(5)
    raw = {k: v.clone() for k, v in their_ema.state_dict.items()}
    applied = their_ema.apply()  # the end of ppdet's epoch 1: what it evaluates and saves
    assert max(errors(applied).values()) < 1e-6, errors(applied)
    # the bias correction matters here: the raw average is off by percents
    assert min(errors(raw).values()) > 1e-3, errors(raw)

    # epoch 2, then ppdet's apply() that resets (cycle_epoch), ours at the start of epoch 2
    update(2)
    applied = their_ema.apply()
    assert max(errors(applied).values()) < 1e-6
    assert their_ema.step == 0
    hook.before_train_epoch(Runner(epoch=cycle))
    update(3)
    applied = their_ema.apply()
    assert max(errors(applied).values()) < 1e-6, errors(applied)


def test_restart_only_at_multiples_of_reset_interval():
    """The hook restarts the average at epochs 40, 80, ... and nowhere else."""
    from mmdet.registry import HOOKS, MODELS
    hook_cfg = ema_hook_cfg(CONFIGS[0])
    hook = HOOKS.build(hook_cfg)
    hook.ema_model = MODELS.build(dict(type=hook_cfg['ema_type'], model=torch_net(),
                                       decay=hook_cfg['decay']))
    restarted = []
    for epoch in range(0, 121):
        hook.ema_model.steps.fill_(5)
        hook.before_train_epoch(Runner(epoch))
        if int(hook.ema_model.steps) == 0:
            restarted.append(epoch)
    assert restarted == [40, 80, 120]
