"""ThresholdEMA's warmed-up decay and bias-corrected average (ppdet's ModelEMA.apply(), written
out here; tests/parity/test_ema_ppdet.py runs ppdet's own) and PeriodicResetEMAHook's restart."""
from types import SimpleNamespace

import pytest
import torch
from mmdet.registry import HOOKS, MODELS
from mmengine.model import ExponentialMovingAverage


def test_decay_warms_up_then_caps():
    ema = MODELS.build(dict(type='ThresholdEMA', model=torch.nn.Linear(1, 1), decay=0.9998))
    assert ema.decay_at(0) == pytest.approx(0.1)
    assert ema.decay_at(10) == pytest.approx(11 / 20)
    assert ema.decay_at(10 ** 6) == pytest.approx(0.9998)


def ppdet_apply(values, decay=0.9998):
    """ppdet's ModelEMA: ``v`` from zeros, ``v = d_n v + (1 - d_n) w`` with ``d_n = min(decay,
    (1 + n) / (10 + n))``; apply() returns ``v / (1 - d_last ** count)``."""
    v = 0.0
    for n, w in enumerate(values):
        d = min(decay, (1 + n) / (10 + n))
        v = d * v + (1 - d) * w
    return v / (1 - d ** len(values))


def test_average_follows_formula():
    model = torch.nn.Linear(1, 1, bias=False)
    ema = MODELS.build(dict(type='ThresholdEMA', model=model, decay=0.9998))
    values = [1.0, 3.0, -2.0, 5.0]
    for n, v in enumerate(values):
        model.weight.data.fill_(v)
        ema.update_parameters(model)
        assert float(ema.module.weight) == pytest.approx(ppdet_apply(values[:n + 1]), rel=1e-6)
    # not the plain (uncorrected) lerp from the first weights: 3.2028 here
    assert float(ema.module.weight) == pytest.approx(3.230353, rel=1e-6)


def test_bn_buffers_are_averaged():
    model = torch.nn.BatchNorm1d(2)
    ema = MODELS.build(dict(type='ThresholdEMA', model=model))
    ema.update_parameters(model)
    model.running_mean.fill_(1.0)
    ema.update_parameters(model)
    # (1 - 2/11) / (1 - (2/11) ** 2) = 99/117
    torch.testing.assert_close(ema.module.running_mean,
                               torch.full((2, ), ppdet_apply([0.0, 1.0])))
    assert ppdet_apply([0.0, 1.0]) == pytest.approx(99 / 117)


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


def test_checkpoint_layout_of_earlier_runs_resumes():
    """EMAHook saves the averaged model's state dict as ``ema_state_dict``: ``steps`` and
    ``module.<name>``, the layout of mmengine's ExponentialMovingAverage that the earlier
    (uncorrected) ThresholdEMA and #30's PaddleModelEMA saved. It loads strictly and the next
    update continues the corrected recurrence from the stored average and count."""
    model = torch.nn.Linear(1, 1, bias=False)
    earlier = ExponentialMovingAverage(model, momentum=2e-4)
    model.weight.data.fill_(2.0)
    earlier.update_parameters(model)
    earlier.steps.fill_(5)  # as saved after 5 updates
    state = earlier.state_dict()
    assert set(state) == {'steps', 'module.weight'}
    ema = MODELS.build(dict(type='ThresholdEMA', model=model, decay=0.9998))
    assert set(ema.state_dict()) == set(state)
    ema.load_state_dict(state, strict=True)
    model.weight.data.fill_(8.0)
    ema.update_parameters(model)
    d4, d5 = ema.decay_at(4), ema.decay_at(5)
    v5 = 2.0 * (1 - d4 ** 5)  # the stored value read as corrected
    assert float(ema.module.weight) == pytest.approx((d5 * v5 + (1 - d5) * 8.0) / (1 - d5 ** 6))
    assert int(ema.steps) == 6
