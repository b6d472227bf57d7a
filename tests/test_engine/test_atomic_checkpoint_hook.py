"""AtomicCheckpointHook: a complete checkpoint and a valid pointer exist at every moment."""
import errno
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio.backends import LocalBackend

import pplc_vision  # noqa: F401  (registers the hook)
from pplc_vision.apis.runs import use_atomic_checkpoints
from pplc_vision.engine import CheckpointSaveError
from toy_runner import RecordIters, make_runner

HOOK = dict(type='AtomicCheckpointHook', interval=1, by_epoch=False, max_keep_ckpts=1)


def pointer(work_dir: Path) -> str:
    return (work_dir / 'last_checkpoint').read_text()


def test_new_checkpoint_and_pointer_exist_before_the_old_one_goes(tmp_path, monkeypatch):
    seen = []  # (files present, pointer) at the moment each save starts
    original = LocalBackend.put

    def spy_put(self, obj, filepath):
        if not str(filepath).endswith('.pth'):
            return original(self, obj, filepath)
        names = sorted(p.name for p in tmp_path.iterdir() if p.suffix == '.pth')
        seen.append((names, pointer(tmp_path) if (tmp_path / 'last_checkpoint').exists()
                     else None))
        return original(self, obj, filepath)

    monkeypatch.setattr(LocalBackend, 'put', spy_put)
    make_runner(tmp_path, max_iters=3, resume=False, hook=RecordIters(), checkpoint=HOOK).train()
    # while iter_2 and iter_3 were written, the previous checkpoint and its pointer were there
    assert seen[1] == (['iter_1.pth'], str(tmp_path / 'iter_1.pth'))
    assert seen[2] == (['iter_2.pth'], str(tmp_path / 'iter_2.pth'))
    assert sorted(p.name for p in tmp_path.iterdir() if 'iter_' in p.name) == ['iter_3.pth']
    assert pointer(tmp_path) == str(tmp_path / 'iter_3.pth')
    assert torch.load(tmp_path / 'iter_3.pth', weights_only=True)['meta']['iter'] == 3


def test_full_disk_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    original = LocalBackend.put
    calls = []

    def full_disk_put(self, obj, filepath):
        calls.append(filepath) if str(filepath).endswith('.pth') else None
        if len(calls) < 2:
            return original(self, obj, filepath)
        Path(filepath).write_bytes(obj[:len(obj) // 2])  # what a full disk leaves behind
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(LocalBackend, 'put', full_disk_put)
    runner = make_runner(tmp_path, max_iters=3, resume=False, hook=RecordIters(),
                         checkpoint=HOOK)
    with pytest.raises(CheckpointSaveError) as info:
        runner.train()
    message = str(info.value)
    assert '\n' not in message and str(tmp_path / 'iter_2.pth') in message
    assert 'No space left on device' in message and str(tmp_path / 'iter_1.pth') in message
    assert sorted(p.name for p in tmp_path.iterdir() if 'iter_' in p.name) == ['iter_1.pth']
    assert pointer(tmp_path) == str(tmp_path / 'iter_1.pth')
    assert torch.load(tmp_path / 'iter_1.pth', weights_only=True)['meta']['iter'] == 1


def test_stale_temporary_files_are_removed_at_start(tmp_path):
    stale = tmp_path / '.tmp-iter_7.pth'
    stale.write_bytes(b'half a checkpoint')
    make_runner(tmp_path, max_iters=1, resume=False, hook=RecordIters(), checkpoint=HOOK).train()
    assert not stale.exists()
    assert (tmp_path / 'iter_1.pth').is_file()


def test_training_tool_upgrades_a_plain_checkpoint_hook():
    cfg = Config(dict(default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=3))))
    use_atomic_checkpoints(cfg)
    assert cfg.default_hooks.checkpoint == dict(type='AtomicCheckpointHook', interval=3)
