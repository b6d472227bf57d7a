"""A tiny real mmengine Runner (linear regressor with BN) for checkpoint and resume tests."""
import uuid
from pathlib import Path
from typing import List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset


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


def make_runner(work_dir: Path, max_iters: int, resume: bool, hook: Hook,
                checkpoint: Optional[dict] = None) -> Runner:
    """A Runner over :class:`ToyDataset`; ``checkpoint`` is its checkpoint hook config."""
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
            checkpoint=checkpoint or dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[hook],
        randomness=dict(seed=0),
        resume=resume)
