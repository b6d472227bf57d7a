"""Crafted model files that run a shell command when they are unpickled (for the safety tests).

Each payload's command creates a marker file; a test asserts the marker never appears.
"""
import os
import pickle
from pathlib import Path

import numpy as np
import torch


class ShellCommand:
    """Unpickles as ``os.system(command)``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return os.system, (self.command, )


def touch_command(marker: Path) -> str:
    return f'touch {marker}'


def write_evil_pth(path: Path, marker: Path) -> Path:
    """A ``torch.save`` checkpoint that looks like a Runner's but pickles ``os.system``."""
    torch.save(dict(meta=dict(epoch=1, note=ShellCommand(touch_command(marker))),
                    state_dict={'w': torch.zeros(1)}), path)
    return path


def write_evil_pdparams(path: Path, marker: Path, protocol: int = 4) -> Path:
    """A ``.pdparams`` pickle (a dict of numpy arrays) with an ``os.system`` value in it."""
    params = {'conv1.conv.weight': np.zeros((8, 3, 3, 3), np.float32),
              'fc.weight': ShellCommand(touch_command(marker))}
    path.write_bytes(pickle.dumps(params, protocol=protocol))
    return path
