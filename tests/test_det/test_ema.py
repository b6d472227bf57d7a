"""ThresholdEMA's warmed-up decay and PeriodicResetEMAHook's restart."""
from types import SimpleNamespace

import pytest
import torch
from mmdet.registry import HOOKS, MODELS


def test_decay_warms_up_then_caps():
    ema = MODELS.build(dict(type='ThresholdEMA', model=torch.nn.Linear(1, 1), decay=0.9998))
    assert ema.decay_at(0) == pytest.approx(0.1)
    assert ema.decay_at(10) == pytest.approx(11 / 20)
    assert ema.decay_at(10 ** 6) == pytest.approx(0.9998)


def test_average_follows_formula():
    model = torch.nn.Linear(1, 1, bias=False)
    ema = MODELS.build(dict(type='ThresholdEMA', model=model, decay=0.9998))
    values = [1.0, 3.0, -2.0, 5.0]
    expected = None
    for n, v in enumerate(values):
        model.weight.data.fill_(v)
        ema.update_parameters(model)
        if n == 0:
            expected = v  # the first update copies the weights
        else:
            d = min(0.9998, (1 + n) / (10 + n))
            expected = d * expected + (1 - d) * v
    assert float(ema.module.weight) == pytest.approx(expected)


def test_bn_buffers_are_averaged():
    model = torch.nn.BatchNorm1d(2)
    ema = MODELS.build(dict(type='ThresholdEMA', model=model))
    ema.update_parameters(model)
    model.running_mean.fill_(1.0)
    ema.update_parameters(model)
    torch.testing.assert_close(ema.module.running_mean, torch.full((2, ), 1 - 2 / 11))


def test_hook_restarts_every_interval():
    model = torch.nn.Linear(1, 1, bias=False)
    hook = HOOKS.build(dict(type='PeriodicResetEMAHook', reset_interval=2))
    hook.ema_model = MODELS.build(dict(type='ThresholdEMA', model=model))
    logger = SimpleNamespace(info=lambda msg: None)
    restarted = []
    for epoch in range(6):
        hook.ema_model.steps.fill_(7)
        hook.before_train_epoch(SimpleNamespace(epoch=epoch, logger=logger))
        restarted.append(int(hook.ema_model.steps) == 0)
    assert restarted == [False, False, True, False, True, False]
    # after a restart the next update copies the current weights
    model.weight.data.fill_(4.0)
    hook.ema_model.steps.zero_()
    hook.ema_model.update_parameters(model)
    assert float(hook.ema_model.module.weight) == 4.0
    with pytest.raises(ValueError, match='reset_interval'):
        HOOKS.build(dict(type='PeriodicResetEMAHook', reset_interval=-1))
