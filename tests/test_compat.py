"""Checkpoints saved by a real mmengine Runner load and resume under torch>=2.6."""
import pickle
import uuid
from pathlib import Path
from typing import List

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from torch import nn
from torch.utils.data import Dataset

import pplc_vision  # noqa: F401  (applies the checkpoint-loading fix)


class ToyModel(BaseModel):
    """A linear regressor with a BN layer, so the checkpoint holds buffers too."""

    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(2)
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor, mode: str = 'tensor'):
        out = self.linear(self.norm(inputs)).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - targets)**2).mean())
        return out


class ToyDataset(Dataset):
    """Eight random (inputs, targets) pairs."""

    def __init__(self) -> None:
        gen = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(8, 2, generator=gen)
        self.targets = self.inputs.sum(1)

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.inputs[index], targets=self.targets[index])


class RecordIters(Hook):
    """Records ``runner.iter`` before every training iteration."""

    def __init__(self) -> None:
        self.iters: List[int] = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.iters.append(runner.iter)


def make_runner(work_dir: Path, max_iters: int, resume: bool, hook: Hook) -> Runner:
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'compat_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[hook],
        randomness=dict(seed=0),
        resume=resume)


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


def test_plain_torch_load_rejects_runner_checkpoint(saved_run):
    # proves the checkpoint is one that needs the fix: it pickles message_hub's HistoryBuffer
    if torch.__version__ < '2.6':
        pytest.skip('torch<2.6 loads full pickles by default')
    _, checkpoint, _ = saved_run
    with pytest.raises(pickle.UnpicklingError, match='(?i)weights.only'):
        torch.load(checkpoint)


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
