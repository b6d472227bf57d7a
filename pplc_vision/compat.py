"""Make mmengine checkpoints loadable under torch>=2.6.

torch 2.6 changed ``torch.load`` to ``weights_only=True``. mmengine 0.10.7 never passes
``weights_only=False``, so every checkpoint it saved (they pickle ``message_hub`` with
``HistoryBuffer`` objects and numpy arrays) fails to load: ``load_from``, ``--resume``,
``tools/test.py CKPT``, ``init_detector`` and ``init_model`` all break. mmengine's main branch has
the fix but no release carries it, so we re-register mmengine's loader for local paths with one
that passes ``weights_only=False``, exactly as mmengine itself behaved under torch<2.6.

Loading a pickle can run code: only load checkpoints you trust (as with any mmengine checkpoint).
"""
import os.path as osp
from typing import Any, Optional

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_APPLIED = False


def load_local_checkpoint(filename: str, map_location: Optional[Any] = None) -> Any:
    """Load a local checkpoint file the way mmengine did before torch 2.6."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    return torch.load(filename, map_location=map_location, weights_only=False)


def apply_checkpoint_loading_fix() -> None:
    """Register :func:`load_local_checkpoint` as mmengine's loader for local paths (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    CheckpointLoader.register_scheme(prefixes='', loader=load_local_checkpoint, force=True)
    _APPLIED = True
