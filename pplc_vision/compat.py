"""Safe loading of checkpoints: torch's ``weights_only=True`` plus an allowlist for mmengine.

Model files are untrusted input: a pickle can run code when it is loaded. torch >= 2.6 loads
with ``weights_only=True`` by default, which admits tensors and plain containers only, so the
checkpoints an mmengine ``Runner`` writes fail to load (their ``message_hub`` pickles mmengine's
``HistoryBuffer`` and numpy arrays). Importing ``pplc_vision`` does two things here, both narrow:

1. :func:`register_safe_globals` adds exactly the types a Runner checkpoint holds
   (:data:`SAFE_GLOBALS`: ``HistoryBuffer``, numpy arrays, dtypes and scalars) to torch's
   safe-loading allowlist. A ``HistoryBuffer`` also pickles its statistics methods as
   ``getattr(HistoryBuffer, 'mean')``; the name ``builtins.getattr`` is therefore mapped to
   :func:`history_buffer_method`, which returns those four methods and refuses anything else
   (plain ``getattr`` would let a file reach any attribute). Nothing that can run code is
   admitted.
2. :func:`register_safe_loader` makes mmengine's loader for local paths (the ``''`` scheme of
   ``CheckpointLoader``; mmengine 0.10.7's own passes no ``weights_only``) load with
   ``weights_only=True`` explicitly and turn a refusal or an unreadable file into one line
   that names the file and the offending type. Every other scheme is left as it is.

Before a zip checkpoint (what ``torch.save`` writes) is unpickled, every member's CRC-32 is
checked against its bytes (:func:`check_zip_integrity`): torch's reader does not, so bytes
damaged inside a weight (a bad copy, a failing disk) would load as different weights.

A file you trust can still be loaded as a full pickle: set ``PPLC_TRUST_CHECKPOINTS=1`` in the
environment of that one command. Remove this module together with the mmengine pin once
mmengine releases its own ``weights_only`` handling.
"""
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, List, Optional

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'PPLC_TRUST_CHECKPOINTS'
# How torch's weights-only unpickler names what it refused.
_REFUSED = (re.compile(r'[Uu]nsupported global: GLOBAL ([\w.]+)'),
            re.compile(r'unsupported GLOBAL ([\w.]+)'),
            re.compile(r'unrecognized function (\S+)'),
            re.compile(r'Can only build .* but got (.+)$', re.M))


class CheckpointLoadError(pickle.UnpicklingError):
    """A checkpoint that was refused or could not be read; the message is one line."""


def _numpy_globals() -> List[Any]:
    """numpy's pickling helpers and dtype classes under both numpy 1.x and 2.x module names."""
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    out: List[Any] = [np.ndarray, np.dtype]
    for func in (multiarray._reconstruct, multiarray.scalar):
        out.append(func)
        # files written under numpy 1.x name ``numpy.core.multiarray``; 2.x ``numpy._core``
        for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
            out.append((func, f'{module}.{func.__name__}'))
    # dtype classes (numpy >= 1.25 pickles ``np.dtypes.Float32DType`` etc. with the dtype)
    out.extend(sorted({type(np.dtype(c)) for c in np.typecodes['All'] if c not in 'M m'},
                      key=lambda t: t.__name__))
    out.extend(type(np.dtype(f'{kind}8[s]')) for kind in ('M', 'm'))
    return out


# The statistics methods a HistoryBuffer pickles by reference (mmengine 0.10.7's defaults).
HISTORY_BUFFER_METHODS = ('min', 'max', 'current', 'mean')


def history_buffer_method(owner: Any, name: str) -> Any:
    """``getattr`` as a Runner checkpoint uses it: one of ``HistoryBuffer``'s statistics
    methods, and nothing else."""
    if owner is not HistoryBuffer or name not in HISTORY_BUFFER_METHODS:
        raise pickle.UnpicklingError(
            f'Unsupported global: GLOBAL builtins.getattr on {getattr(owner, "__name__", owner)!r}'
            f'.{name} (only HistoryBuffer.{"/".join(HISTORY_BUFFER_METHODS)} are allowed)')
    return getattr(HistoryBuffer, name)


SAFE_GLOBALS: List[Any] = [HistoryBuffer, (history_buffer_method, 'builtins.getattr')
                           ] + _numpy_globals()


def register_safe_globals() -> None:
    """Add :data:`SAFE_GLOBALS` to torch's ``weights_only`` allowlist (idempotent)."""
    torch.serialization.add_safe_globals(SAFE_GLOBALS)


def trust_requested() -> bool:
    """Whether the user asked to load full pickles (``PPLC_TRUST_CHECKPOINTS=1``)."""
    return os.environ.get(TRUST_ENV, '').strip().lower() in ('1', 'true', 'yes')


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message, or its type name."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def check_zip_integrity(filename: str) -> None:
    """Raise :class:`CheckpointLoadError` when a member of the zip file ``filename`` does not
    match its stored CRC-32, or the archive cannot be read; other files pass unchecked (legacy
    torch files carry no checksum)."""
    if not zipfile.is_zipfile(filename):
        return
    try:
        with zipfile.ZipFile(filename) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as e:
        raise CheckpointLoadError(f'checkpoint {filename!r} is not a readable torch file '
                                  f'(truncated or another format): {first_line(e)}') from None
    if damaged is not None:
        raise CheckpointLoadError(
            f'checkpoint {filename!r} is damaged: the bytes of {damaged} do not match their '
            'CRC-32 checksum (a bad copy or download, or a failing disk); copy or download it '
            'again')


def safe_torch_load(filename: str, map_location: Optional[Any] = None) -> Any:
    """``torch.load`` with ``weights_only=True`` (unless trusted) and one-line errors, after
    :func:`check_zip_integrity`.

    Raises:
        FileNotFoundError: ``filename`` is not a file.
        CheckpointLoadError: the file is damaged (CRC-32 mismatch), holds a type outside the
            allowlist, or is not a readable torch file (truncated, another format).
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    check_zip_integrity(filename)
    trusted = trust_requested()
    try:
        return torch.load(filename, map_location=map_location, weights_only=not trusted)
    except pickle.UnpicklingError as e:
        message = str(e)
        if 'weights only' not in message.lower() or _GARBAGE.search(message):
            raise CheckpointLoadError(f'checkpoint {filename!r} is not a readable torch file '
                                      f'(truncated or another format): {first_line(e)}') from None
        what = _refusal_reason(message)
        raise CheckpointLoadError(
            f'checkpoint {filename!r} refused: {what}, which is not a weight, a numpy array or '
            'an mmengine log buffer (loading it could run code); if you trust this file, set '
            f'{TRUST_ENV}=1 to load it as a full pickle') from None
    except FileNotFoundError:
        raise
    except (RuntimeError, EOFError, OSError, ValueError) as e:
        raise CheckpointLoadError(f'checkpoint {filename!r} is not a readable torch file '
                                  f'(truncated or another format): {first_line(e)}') from None


# the weights-only unpickler's words for bytes that are no pickle at all (a text file, noise)
_GARBAGE = re.compile(r'Unsupported operand|unpickling stack underflow|invalid load key')


def _refusal_reason(message: str) -> str:
    """What torch's multi-line weights-only refusal says was refused, in a few words."""
    for pattern in _REFUSED:
        found = pattern.search(message)
        if found:
            return f'it pickles {found.group(1).strip()}'
    for line in message.splitlines():
        if 'WeightsUnpickler error:' in line:
            return line.split('WeightsUnpickler error:', 1)[1].strip().rstrip('.')
    return 'it holds an object outside the allowlist'


def register_safe_loader() -> None:
    """Make :func:`safe_torch_load` mmengine's loader for local paths (idempotent)."""
    CheckpointLoader.register_scheme(prefixes='', loader=safe_torch_load, force=True)
