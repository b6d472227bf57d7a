"""Atomic file writes: a temporary file in the same folder, fsync, then ``os.replace``.

A reader (``--resume``, a user copying results) sees either the old file or the complete new
one, never a truncated file, whatever kills the writer. Used for checkpoints (the converters and
:class:`~pplc_vision.engine.checkpoint_hook.AtomicCheckpointHook`), the ``last_checkpoint``
pointer and the tools' JSON/ONNX outputs.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Union

TMP_PREFIX = '.tmp-'


def fsync_folder(folder: Union[str, Path]) -> None:
    """Flush a folder's entries (a rename) to disk, where the platform allows it."""
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(tmp_path: Union[str, Path], filepath: Union[str, Path]) -> None:
    """fsync a complete temporary file, then rename it onto ``filepath`` (same folder)."""
    with open(tmp_path, 'rb+') as f:
        os.fsync(f.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; match a plain open()
    os.replace(tmp_path, filepath)
    fsync_folder(osp.dirname(osp.abspath(str(filepath))))


def atomic_write(filepath: Union[str, Path], write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(f)`` on a temporary file beside ``filepath``, then publish it atomically.

    On any error the temporary file is removed and the previous ``filepath`` stays as it was.
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f'{TMP_PREFIX}{osp.basename(filepath)}.', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
        publish(tmp_path, filepath)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` atomically."""
    atomic_write(filepath, lambda f: f.write(data))
