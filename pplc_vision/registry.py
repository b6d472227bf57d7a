"""Registration of pplc_vision components in the OpenMMLab downstream scopes.

A backbone must build with ``type='PPLCNet'`` whatever the config's ``default_scope`` is
(``mmdet``, ``mmseg`` or ``mmpretrain``), so backbones are registered in each of those
``MODELS`` registries. Task-specific parts (detection heads, classification heads) are registered
only in the scope of the library they extend.
"""
from typing import Callable, Sequence, Type

BACKBONE_SCOPES = ('mmdet', 'mmseg', 'mmpretrain')


def scope_model_registry(scope: str):
    """The ``MODELS`` registry of one OpenMMLab scope."""
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    elif scope == 'mmseg':
        from mmseg.registry import MODELS
    elif scope == 'mmpretrain':
        from mmpretrain.registry import MODELS
    else:
        raise ValueError(f'unknown scope {scope!r}; expected one of {BACKBONE_SCOPES}')
    return MODELS


def build_in_scope(cfg: dict, scope: str):
    """Build ``cfg`` with ``scope``'s ``MODELS``, whatever default scope a Runner left behind."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(scope):
        return scope_model_registry(scope).build(cfg)


def register_model(scopes: Sequence[str] = BACKBONE_SCOPES) -> Callable[[Type], Type]:
    """Class decorator: register a model class in the ``MODELS`` registry of every scope."""

    def decorate(cls: Type) -> Type:
        for scope in scopes:
            scope_model_registry(scope).register_module(module=cls)
        return cls

    return decorate
