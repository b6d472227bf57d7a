"""Registration of pplc_vision components in the OpenMMLab downstream scopes.

A backbone must build with ``type='PPLCNet'`` whatever the config's ``default_scope`` is
(``mmdet``, ``mmseg`` or ``mmpretrain``), so backbones are registered in each of those
``MODELS`` registries. Task-specific parts (detection heads, classification heads) are registered
only in the scope of the library they extend. :func:`build_model_from_config` builds a config's
model as mmengine's Runner does (the one builder of the package: ``apis``, ``converters``,
``deploy`` and ``benchmark`` all import it from here).
"""
import copy
from typing import Callable, Sequence, Type

from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope, Registry, init_default_scope
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmseg.registry import MODELS as MMSEG_MODELS

BACKBONE_SCOPES = ('mmdet', 'mmseg', 'mmpretrain')
_SCOPE_MODELS = {'mmdet': MMDET_MODELS, 'mmseg': MMSEG_MODELS, 'mmpretrain': MMPRETRAIN_MODELS}


def scope_model_registry(scope: str) -> Registry:
    """The ``MODELS`` registry of one OpenMMLab scope."""
    if scope not in _SCOPE_MODELS:
        raise ValueError(f'unknown scope {scope!r}; expected one of {BACKBONE_SCOPES}')
    return _SCOPE_MODELS[scope]


def build_in_scope(cfg: dict, scope: str):
    """Build ``cfg`` with ``scope``'s ``MODELS``, whatever default scope a Runner left behind."""
    with DefaultScope.overwrite_default_scope(scope):
        return scope_model_registry(scope).build(cfg)


def build_model_from_config(cfg: Config):
    """Build ``cfg.model`` in the config's ``default_scope``, as the Runner would.

    The config's top-level ``data_preprocessor`` is merged into the model like the Runner does;
    the model is returned in eval mode. The datasets are not built.
    """
    if 'model' not in cfg:
        raise KeyError(f'config {cfg.filename!r} has no `model` key')
    scope = cfg.get('default_scope')
    if scope is not None:
        init_default_scope(scope)
    model_cfg = copy.deepcopy(cfg.model)
    if isinstance(model_cfg, dict) and cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    return MODELS.build(model_cfg).eval()


def register_model(scopes: Sequence[str] = BACKBONE_SCOPES) -> Callable[[Type], Type]:
    """Class decorator: register a model class in the ``MODELS`` registry of every scope."""

    def decorate(cls: Type) -> Type:
        for scope in scopes:
            scope_model_registry(scope).register_module(module=cls)
        return cls

    return decorate
