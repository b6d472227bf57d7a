"""pplc_vision: PP-LCNet and friends for mmdet, mmseg and mmpretrain.

Importing the package (``custom_imports=dict(imports=['pplc_vision'])`` in a config) registers
every component, the ``pplc_vision::`` config prefix of mmengine (configs shipped in
``pplc_vision/.mim``, :func:`pplc_vision.registry.register_config_package`) and the safe-loading
allowlist (:mod:`pplc_vision.compat`: mmengine's Runner
checkpoints load with ``weights_only=True``, anything that could run code is refused with one
line). It patches nothing else: crash-safe checkpoints and CPU DDP are what the training tool
sets up for its own run (:mod:`pplc_vision.apis.runs`).
"""
from .compat import register_safe_globals, register_safe_loader
from .version import __version__

register_safe_globals()
register_safe_loader()

from . import datasets, engine, models  # noqa: E402,F401  (registers the components)
from .registry import register_config_package  # noqa: E402

register_config_package()

__all__ = ['__version__']
