"""Checkpoints saved by a real mmengine Runner load and resume under torch>=2.6."""
import subprocess
import sys
import uuid

import pytest
import torch
from mmengine.runner import Runner, load_checkpoint

import pplc_vision  # noqa: F401  (registers the safe-loading allowlist)
from pplc_vision.compat import SAFE_GLOBALS
from toy_runner import RecordIters, ToyModel, make_runner


@pytest.fixture(scope='module')
def saved_run(tmp_path_factory):
    """A work dir after two iterations of a real Runner, and its checkpoint."""
    work_dir = tmp_path_factory.mktemp('compat_run')
    runner = make_runner(work_dir, max_iters=2, resume=False, hook=RecordIters())
    runner.train()
    checkpoint = work_dir / 'iter_2.pth'
    assert checkpoint.is_file()
    state = {k: v.detach().clone() for k, v in runner.model.state_dict().items()}
    return work_dir, checkpoint, state


def test_runner_checkpoint_needs_exactly_the_allowlist(saved_run):
    # the checkpoint pickles message_hub's HistoryBuffer and numpy objects beyond torch's own
    # safe types; every one of them is in the allowlist, so weights_only=True loads it
    _, checkpoint, _ = saved_run
    # asked in a fresh interpreter, where pplc_vision has not registered the allowlist
    probe = subprocess.run(
        [sys.executable, '-c', 'import sys, torch; print("\\n".join(torch.serialization.'
         'get_unsafe_globals_in_checkpoint(sys.argv[1])))', str(checkpoint)],
        capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-2000:]
    needed = set(probe.stdout.split())
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in needed
    allowed = {g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
               for g in SAFE_GLOBALS}
    assert needed <= allowed, needed - allowed
    assert torch.load(checkpoint, weights_only=True)['meta']['iter'] == 2


def test_load_checkpoint(saved_run):
    _, checkpoint, state = saved_run
    model = ToyModel()
    ckpt = load_checkpoint(model, str(checkpoint), map_location='cpu', strict=True)
    assert ckpt['meta']['iter'] == 2
    assert 'message_hub' in ckpt
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_runner_resume_continues_iterations(saved_run):
    work_dir, _, _ = saved_run
    hook = RecordIters()
    runner = make_runner(work_dir, max_iters=4, resume=True, hook=hook)
    runner.train()
    assert hook.iters == [2, 3]
    assert runner.iter == 4
    assert (work_dir / 'iter_4.pth').is_file()
    # the resumed message hub carries the loss history of the first run
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 4


def test_runner_load_from(saved_run):
    _, checkpoint, state = saved_run
    runner = Runner(
        model=ToyModel(),
        work_dir=str(checkpoint.parent / 'load_from'),
        experiment_name=f'compat_{uuid.uuid4().hex}',
        load_from=str(checkpoint))
    runner.load_or_resume()
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, state[key]), key
