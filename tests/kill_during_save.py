"""Test instrument: SIGKILL the training process in the middle of a checkpoint write.

Imported through a test config's ``custom_imports`` (never by the package). With
``PPLC_TEST_KILL_AT_SAVE=N`` in the environment, the N-th ``.pth`` write through mmengine's
``LocalBackend.put`` writes half of its bytes, then the process kills itself with SIGKILL:
exactly what a kill (OOM killer, time limit) during a save leaves behind.
"""
import os
import signal

from mmengine.fileio.backends import LocalBackend

_AT = int(os.environ.get('PPLC_TEST_KILL_AT_SAVE', '0'))
_original_put = LocalBackend.put
_writes = []


def _put_then_die(self, obj, filepath):
    if not str(filepath).endswith('.pth'):
        return _original_put(self, obj, filepath)
    _writes.append(filepath)
    if len(_writes) < _AT:
        return _original_put(self, obj, filepath)
    with open(filepath, 'wb') as f:
        f.write(obj[:len(obj) // 2])
    os.kill(os.getpid(), signal.SIGKILL)


if _AT > 0:
    LocalBackend.put = _put_then_die
