"""Registration of pplc_vision components in the OpenMMLab downstream scopes that are installed.

A backbone must build with ``type='PPLCNet'`` whatever the config's ``default_scope`` is
(``mmdet``, ``mmseg`` or ``mmpretrain``), so backbones are registered in each of those
``MODELS`` registries. Task-specific parts (detection heads, classification heads) are registered
only in the scope of the library they extend. :func:`build_model_from_config` builds a config's
model as mmengine's Runner does (the one builder of the package: ``apis``, ``converters``,
``deploy`` and ``benchmark`` all import it from here).

Each task library is optional (setup.cfg's extras ``det``, ``seg``, ``cls``): a scope whose
library is not installed is skipped at import, and :func:`check_config_libraries` turns a config
that needs it into one line naming the library. A library that is installed but fails to import
(a dependency of its own missing) is not skipped: its error is raised as it is.

:func:`register_config_package` lets mmengine resolve ``'pplc_vision::det/x.py'`` (a ``_base_``
of a downstream config, ``mmengine.hub.get_config``) to the configs the package ships in
``pplc_vision/.mim/configs``, as it does for mmdet's.
"""
import copy
import importlib
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple, Type

from mmengine.config import Config
from mmengine.config.utils import MODULE2PACKAGE
import mmengine.registry as mmengine_registry
from mmengine.registry import MODELS, DefaultScope, Registry, init_default_scope

BACKBONE_SCOPES = ('mmdet', 'mmseg', 'mmpretrain')
# scope -> (distribution on PyPI, pplc_vision's extra that installs it)
SCOPE_LIBRARIES = {'mmdet': ('mmdet', 'det'), 'mmseg': ('mmsegmentation', 'seg'),
                   'mmpretrain': ('mmpretrain', 'cls')}


CONFIG_PACKAGE = 'pplc_vision'


def _enclosing_scope() -> Optional[str]:
    """The default scope that was current before mmengine switched to ``pplc_vision``."""
    for instance in reversed(list(DefaultScope._instance_dict.values())):
        if instance.scope_name != CONFIG_PACKAGE:
            return instance.scope_name
    return None


class _TaskScopeRegistry(Registry):
    """Scope ``pplc_vision`` under one of mmengine's root registries.

    mmengine gives every component of a ``_base_ = 'pplc_vision::...'`` config the scope
    ``_scope_='pplc_vision'``. pplc_vision's components live in the scopes of the libraries they
    extend (mmdet, mmseg, mmpretrain), so a key is looked up in the registry of the scope that
    was the default before that switch (the config's ``default_scope`` under a Runner), falling
    back to the root registry as mmengine does for a scope without a registry.
    """

    def get(self, key: str):
        scope = _enclosing_scope()
        registry = self.parent._search_child(scope) if scope else None
        return (registry or self.parent).get(key)


def register_config_package() -> None:
    """Let mmengine resolve and build ``'pplc_vision::<task>/<name>.py'`` configs.

    mmengine reads ``pkg::path`` only for the packages of its ``MODULE2PACKAGE`` table (it
    asserts otherwise), looks in ``<installed pkg>/.mim/configs/path`` and sets ``_scope_=pkg`` in
    the base config's components. This adds pplc_vision to that table and a ``pplc_vision``
    child (:class:`_TaskScopeRegistry`) to each root registry; nothing of other scopes changes.
    """
    if CONFIG_PACKAGE in MODULE2PACKAGE:
        return
    MODULE2PACKAGE[CONFIG_PACKAGE] = CONFIG_PACKAGE
    for root in vars(mmengine_registry).values():
        if isinstance(root, Registry) and root.parent is None:
            _TaskScopeRegistry(root.name, parent=root, scope=CONFIG_PACKAGE)


class MissingLibraryError(ImportError):
    """A component or config needs an OpenMMLab library that is not installed (one line)."""


def _installed_registries() -> Dict[str, Registry]:
    """``{scope: MODELS}`` of every scope whose library imports; absent libraries are skipped."""
    out = {}
    for scope in BACKBONE_SCOPES:
        try:
            module = importlib.import_module(f'{scope}.registry')
        except ModuleNotFoundError as e:
            if e.name != scope:  # installed, but broken: say so, do not hide it
                raise
            continue
        out[scope] = module.MODELS
    return out


_SCOPE_MODELS = _installed_registries()
INSTALLED_SCOPES: Tuple[str, ...] = tuple(_SCOPE_MODELS)
# components not registered because their library is absent: name -> scope of that library
UNAVAILABLE_COMPONENTS: Dict[str, str] = {}


def scope_installed(scope: str) -> bool:
    """Whether ``scope``'s library (mmdet, mmsegmentation, mmpretrain) is installed."""
    if scope not in SCOPE_LIBRARIES:
        raise ValueError(f'unknown scope {scope!r}; expected one of {BACKBONE_SCOPES}')
    return scope in _SCOPE_MODELS


def missing_library_message(scope: str, needed_by: str) -> str:
    """One line: ``needed_by`` needs ``scope``'s library, and the command that installs it."""
    library, extra = SCOPE_LIBRARIES[scope]
    return (f"{needed_by} needs {library}, which is not installed: "
            f"pip install 'pplc_vision[{extra}]' (or {library} itself)")


def mark_unavailable(scope: str, *names: str) -> None:
    """Record components left unregistered because ``scope``'s library is absent."""
    UNAVAILABLE_COMPONENTS.update(dict.fromkeys(names, scope))


def scope_model_registry(scope: str) -> Registry:
    """The ``MODELS`` registry of one OpenMMLab scope."""
    if not scope_installed(scope):
        raise MissingLibraryError(missing_library_message(scope, f'scope {scope!r}'))
    return _SCOPE_MODELS[scope]


def build_in_scope(cfg: dict, scope: str):
    """Build ``cfg`` with ``scope``'s ``MODELS``, whatever default scope a Runner left behind."""
    with DefaultScope.overwrite_default_scope(scope):
        return scope_model_registry(scope).build(cfg)


def build_model_from_config(cfg: Config):
    """Build ``cfg.model`` in the config's ``default_scope``, as the Runner would.

    The config's top-level ``data_preprocessor`` is merged into the model like the Runner does;
    the model is returned in eval mode. The datasets are not built. A config that needs an
    OpenMMLab library that is not installed raises :class:`MissingLibraryError` (one line).
    """
    if 'model' not in cfg:
        raise KeyError(f'config {cfg.filename!r} has no `model` key')
    check_config_libraries(cfg)
    scope = cfg.get('default_scope')
    if scope is not None:
        init_default_scope(scope)
    model_cfg = copy.deepcopy(cfg.model)
    if isinstance(model_cfg, dict) and cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    return MODELS.build(model_cfg).eval()


def register_model(scopes: Sequence[str] = BACKBONE_SCOPES) -> Callable[[Type], Type]:
    """Class decorator: register a model class in the ``MODELS`` registry of every installed
    scope among ``scopes``."""

    def decorate(cls: Type) -> Type:
        for scope in scopes:
            if scope_installed(scope):
                _SCOPE_MODELS[scope].register_module(module=cls)
        return cls

    return decorate


def _types(node, path: str = '') -> Iterator[Tuple[str, str]]:
    """``(key path, type name)`` of every ``type=`` string in a config tree."""
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield path or 'config', node['type']
        for key, value in node.items():
            yield from _types(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _types(value, f'{path}[{i}]')


def check_config_libraries(cfg) -> None:
    """Raise :class:`MissingLibraryError` (one line) if ``cfg`` needs an absent library: its
    ``default_scope``, a ``type='scope.Name'`` prefix, or a component left unregistered."""
    source = getattr(cfg, 'filename', None) or 'config'
    scope = cfg.get('default_scope')
    if scope in SCOPE_LIBRARIES and not scope_installed(scope):
        raise MissingLibraryError(missing_library_message(scope, f"{source} (default_scope "
                                                                 f"{scope!r})"))
    for path, name in _types(dict(cfg)):
        prefix, _, short = name.rpartition('.')
        needs = prefix if prefix in SCOPE_LIBRARIES else UNAVAILABLE_COMPONENTS.get(short)
        if needs is not None and not scope_installed(needs):
            raise MissingLibraryError(missing_library_message(
                needs, f"{source}: {path} type={name!r}"))
