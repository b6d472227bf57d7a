"""A component that refuses the values of its config, said in one line with its config key.

:mod:`.config_checks` checks names before anything is built; values are the component's to
judge (``num_classes=0``, a negative size) and fail inside its constructor, deep in mmengine's
registry build. :func:`component_build_message` finds the innermost ``build_from_cfg`` of the
traceback, the class it was building and the key of the config dict it was given, and turns the
error into ``<key>: <Class> (<module>) cannot be built from its config: <error's first line>``.
"""
from typing import Any, Iterator, List, Mapping, Optional, Tuple

from mmengine.config import Config

from ..compat import first_line


def built_components(error: BaseException) -> List[Tuple[type, Mapping]]:
    """``(class, config dict)`` of every registry build the traceback of ``error`` passes
    through (outermost first) once the class was found."""
    found = []
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == 'build_from_cfg' and 'obj_cls' in frame.f_locals \
                and isinstance(frame.f_locals.get('cfg'), Mapping):
            found.append((frame.f_locals['obj_cls'], frame.f_locals['cfg']))
        tb = tb.tb_next
    return found


def _dicts(node: Any, prefix: str = '') -> Iterator[Tuple[str, Mapping]]:
    """``(dotted key, dict)`` of every dict with a ``type`` in a config."""
    items = node.items() if isinstance(node, Mapping) else \
        enumerate(node) if isinstance(node, (list, tuple)) else ()
    if isinstance(node, Mapping) and 'type' in node and prefix:
        yield prefix, node
    for key, value in items:
        yield from _dicts(value, f'{prefix}.{key}' if prefix else str(key))


def config_key_of(cfg: Mapping, built: Mapping) -> Optional[str]:
    """The key of the dict of ``cfg`` that ``built`` was made from: same type, and every one of
    its entries in ``built`` (a parent component may add entries, as a detector adds its
    ``train_cfg`` to its head); the one with most entries wins."""
    best, best_size = None, -1
    for key, candidate in _dicts(cfg):
        if candidate.get('type') != built.get('type'):
            continue
        try:
            fits = all(k in built and built[k] == v for k, v in candidate.items())
        except Exception:  # noqa: BLE001  (values whose comparison fails: not this one)
            fits = False
        if fits and len(candidate) > best_size:
            best, best_size = key, len(candidate)
    return best


def component_build_message(error: BaseException, cfg: Mapping) -> Optional[str]:
    """One line for an error raised while a registry built a component; ``None`` if the error
    did not come from a registry build."""
    built = built_components(error)
    if not built:
        return None
    cls, component = built[-1]
    key = config_key_of(cfg.to_dict() if isinstance(cfg, Config) else cfg, component)
    what = f'{getattr(cls, "__name__", cls)} ({getattr(cls, "__module__", "?")})'
    return (f'{key + ": " if key else ""}{what} cannot be built from its config: '
            f'{type(error).__name__}: {first_line(error)}')
