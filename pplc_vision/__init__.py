"""pplc_vision: PP-LCNet and friends for mmdet, mmseg and mmpretrain.

Importing the package (``custom_imports=dict(imports=['pplc_vision'])`` in a config) registers
every component, makes mmengine checkpoints loadable under torch>=2.6, and makes mmengine's local
checkpoint writes atomic (temporary file + rename), so an interrupted save never leaves a
truncated checkpoint for ``--resume`` to trip on.
"""
from .compat import apply_checkpoint_loading_fix
from .version import __version__

apply_checkpoint_loading_fix()

from . import datasets, models  # noqa: E402,F401  (registers the components)
from . import engine  # noqa: E402,F401  (registers the hooks)

engine.apply_atomic_local_writes()

__all__ = ['__version__', 'apply_checkpoint_loading_fix']
