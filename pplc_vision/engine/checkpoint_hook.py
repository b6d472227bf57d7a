"""A ``CheckpointHook`` that never leaves a run without a complete checkpoint to resume from.

mmengine 0.10.7's ``CheckpointHook`` removes the oldest checkpoint *before* it writes the new
one, writes the new one in place, and writes ``last_checkpoint`` with a plain ``open('w')``: a
kill or a full disk during the save of a ``max_keep_ckpts=1`` run leaves no checkpoint at all,
and a pointer to a deleted file. :class:`AtomicCheckpointHook` saves in this order instead:

1. the checkpoint goes to a hidden temporary file in the output folder (``.tmp-epoch_N.pth``),
   is fsynced and renamed onto ``epoch_N.pth``;
2. ``last_checkpoint`` is rewritten atomically to point at it;
3. only then are checkpoints beyond ``max_keep_ckpts`` removed.

A save that fails (``ENOSPC``) removes its temporary file and stops training with
:class:`CheckpointSaveError`, leaving the previous checkpoint and pointer as the resume point;
temporary files of a killed save are removed when training starts again. On storage other than
the local disk it behaves exactly like mmengine's hook. The training tool uses it in place of a
plain ``CheckpointHook``; configs can name it as ``type='AtomicCheckpointHook'``.
"""
import glob
import os
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.fileio.backends import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

from .atomic_save import TMP_PREFIX, atomic_write_bytes, publish


class CheckpointSaveError(OSError):
    """A checkpoint could not be written; the message is one line and names the file."""


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) with crash-safe saving on local disks."""

    def _on_local_disk(self) -> bool:
        return isinstance(getattr(self, 'file_backend', None), LocalBackend)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self._on_local_disk() and is_main_process():
            for stale in glob.glob(osp.join(glob.escape(self.out_dir), TMP_PREFIX + '*')):
                os.remove(stale)
                runner.logger.warning(f'removed {stale}, left by an interrupted checkpoint save')

    def _next_outdated(self, runner, step: int) -> List[int]:
        """Book ``step`` in ``keep_ckpt_ids`` and return the steps that fall out of it."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            return []
        outdated = []
        while len(self.keep_ckpt_ids) >= self.max_keep_ckpts:
            outdated.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        return outdated

    def _save_checkpoint_with_step(self, runner, step: int, meta: Optional[dict]) -> None:
        if not self._on_local_disk():
            return super()._save_checkpoint_with_step(runner, step, meta)
        outdated = self._next_outdated(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        tmp_path = osp.join(self.out_dir, TMP_PREFIX + filename)
        try:
            runner.save_checkpoint(
                self.out_dir,
                TMP_PREFIX + filename,
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)
            if not is_main_process():
                return
            publish(tmp_path, self.last_ckpt)
            atomic_write_bytes(self.last_ckpt.encode(), osp.join(runner.work_dir,
                                                                 'last_checkpoint'))
        except OSError as e:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
            previous = self._previous_checkpoint(runner)
            raise CheckpointSaveError(
                f'could not write checkpoint {self.last_ckpt}: {e.strerror or e}; training '
                f'stopped, resume point: {previous or "none yet"}') from None
        for old in outdated:
            path = osp.join(self.out_dir, self.filename_tmpl.format(old))
            if osp.isfile(path):
                os.remove(path)

    @staticmethod
    def _previous_checkpoint(runner) -> Optional[str]:
        pointer = osp.join(runner.work_dir, 'last_checkpoint')
        if not osp.isfile(pointer):
            return None
        with open(pointer) as f:
            target = f.read().strip()
        return target if target and osp.isfile(target) else None
