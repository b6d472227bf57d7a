"""Atomic checkpoint writes for mmengine.

mmengine 0.10.7 saves a checkpoint with ``LocalBackend.put``, which opens the final path with
``'wb'`` and writes into it: a run killed mid-save (time limit, OOM, Ctrl-C) leaves a truncated
``epoch_N.pth`` that ``--resume auto`` then picks up and fails on. The ``last_checkpoint`` pointer
is written the same way (``put_text``). :func:`apply_atomic_local_writes` replaces both methods
with versions that write a temporary file in the same folder, fsync it, and ``os.replace`` it onto
the final path, so a reader sees either the old file or the complete new one.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio.backends.local_backend import LocalBackend

_APPLIED = False


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` atomically (temporary file + ``os.replace``)."""
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f'.{osp.basename(filepath)}.', suffix='.tmp',
                                    dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; match a plain open()
        os.replace(tmp_path, filepath)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def _put(self: LocalBackend, obj: bytes, filepath: Union[str, Path]) -> None:
    atomic_write_bytes(obj, filepath)


def _put_text(self: LocalBackend, obj: str, filepath: Union[str, Path],
              encoding: str = 'utf-8') -> None:
    atomic_write_bytes(obj.encode(encoding), filepath)


def apply_atomic_local_writes() -> None:
    """Make mmengine's local ``put``/``put_text`` (checkpoints, ``last_checkpoint``) atomic.

    Idempotent. Affects every local write through ``mmengine.fileio``, which only gains from it.
    """
    global _APPLIED
    if _APPLIED:
        return
    LocalBackend.put = _put
    LocalBackend.put_text = _put_text
    _APPLIED = True
