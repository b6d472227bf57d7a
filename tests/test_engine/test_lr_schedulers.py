"""Resuming on the closed-form learning-rate phases (pplc_vision/engine/lr_schedulers.py): a
checkpoint's scheduler states, of these phases or of the mmengine schedules the configs used
before them, put the configured phases at the checkpoint's iteration. The curves themselves are
checked against Paddle's schedulers in tests/parity/test_lr_schedules.py."""
import pytest
import torch
from mmengine.optim.scheduler import CosineAnnealingLR, LinearLR

from pplc_vision.engine.lr_schedulers import CosineDecayLR, LinearWarmupLR

BASE_LR, WARMUP, TOTAL = 0.4, 30, 200


def picodet_phases(optimizer):
    """PicoDet's 2021 schedule as the configs list it: cosine over the run, warm-up last."""
    return [CosineDecayLR(optimizer, eta_min=0.0, begin=0, end=TOTAL, by_epoch=False),
            LinearWarmupLR(optimizer, start_factor=0.1, begin=0, end=WARMUP, by_epoch=False)]


def run(schedulers, optimizer, steps):
    """``steps`` iterations as the Runner takes them; the lr each one trained with."""
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return lrs


def new_optimizer():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE_LR, momentum=0.9)


@pytest.mark.parametrize('stop', [10, WARMUP, 120])
def test_resume_from_own_checkpoint(stop):
    optimizer = new_optimizer()
    full = run(picodet_phases(optimizer), optimizer, TOTAL)
    first = new_optimizer()
    schedulers = picodet_phases(first)
    run(schedulers, first, stop)
    states, group_lr = [s.state_dict() for s in schedulers], first.param_groups[0]['lr']
    resumed = new_optimizer()
    phases = picodet_phases(resumed)
    for phase, state in zip(phases, states):
        phase.load_state_dict(state)
    resumed.param_groups[0]['lr'] = group_lr  # the optimizer's state, restored with it
    assert run(phases, resumed, TOTAL - stop) == pytest.approx(full[stop:], rel=1e-12)


def test_resume_from_a_checkpoint_of_the_earlier_schedule():
    """The configs listed mmengine's LinearLR first and CosineAnnealingLR second; the phases
    listed the other way round resume from such a checkpoint at its iteration, on their own
    curve (not at the warm-up's begin/end that the swapped state would give the cosine)."""
    stop = 120
    old_optimizer = new_optimizer()
    old = [LinearLR(old_optimizer, start_factor=0.1, begin=0, end=WARMUP, by_epoch=False),
           CosineAnnealingLR(old_optimizer, T_max=TOTAL, eta_min=0.0, begin=0, end=TOTAL,
                             by_epoch=False)]
    run(old, old_optimizer, stop)
    reference = new_optimizer()
    expected = run(picodet_phases(reference), reference, TOTAL)[stop + 1:]
    resumed = new_optimizer()
    phases = picodet_phases(resumed)
    for phase, scheduler in zip(phases, old):
        phase.load_state_dict(scheduler.state_dict())
    assert [(p.begin, p.end) for p in phases] == [(0, TOTAL), (0, WARMUP)]
    # the first resumed iteration trains at the optimizer's restored rate; every later one at
    # the phases' value for its iteration
    assert run(phases, resumed, TOTAL - stop)[1:] == pytest.approx(expected, rel=1e-12)


def test_state_without_step_count_is_refused():
    phase = picodet_phases(new_optimizer())[0]
    with pytest.raises(KeyError, match='CosineDecayLR.*_global_step'):
        phase.load_state_dict({'last_step': 3})
