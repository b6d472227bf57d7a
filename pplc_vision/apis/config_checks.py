"""Config mistakes that mmengine reports deep inside a build, said in one line by the tools.

- :func:`unknown_argument_message`: a misspelled argument of a registered component
  (``--cfg-options model.backbone.scael=1.0``) names the key and the valid ones nearest to it;
- :func:`check_schedules_fit`: a ``param_scheduler`` that has no room in ``train_cfg``'s
  epochs or iterations (``begin >= end``) is reported before the Runner builds it.
"""
import difflib
import inspect
import re
from typing import List, Optional, Set

from mmengine.config import Config

_UNEXPECTED = re.compile(r"got an unexpected keyword argument '(\w+)'")


def init_arguments(cls: type) -> Set[str]:
    """The keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the MRO."""
    names: Set[str] = set()
    for klass in cls.__mro__:
        if klass is object or '__init__' not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        names |= {p.name for p in params
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != 'self'}
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def built_class(error: BaseException) -> Optional[type]:
    """The class mmengine's ``build_from_cfg`` was building when ``error`` was raised (the
    innermost build: the component the argument was given to)."""
    cls = None
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == 'build_from_cfg' and isinstance(
                frame.f_locals.get('obj_cls'), type):
            cls = frame.f_locals['obj_cls']
        tb = tb.tb_next
    return cls


def unknown_argument_message(error: BaseException) -> Optional[str]:
    """One line for a registry build that failed on an unknown argument; ``None`` otherwise."""
    unexpected = _UNEXPECTED.search(str(error))
    cls = built_class(error) if isinstance(error, TypeError) else None
    if unexpected is None or cls is None:
        return None
    key = unexpected.group(1)
    try:
        valid: List[str] = sorted(init_arguments(cls))
    except (ValueError, TypeError):  # a signature inspect cannot read
        valid = []
    nearest = difflib.get_close_matches(key, valid, n=3, cutoff=0.5)
    hint = f'did you mean {" or ".join(map(repr, nearest))}? ' if nearest else ''
    return (f'{cls.__name__} ({cls.__module__}) has no argument {key!r}: {hint}'
            f'its arguments are {", ".join(valid) if valid else "not inspectable"}')


def check_schedules_fit(cfg: Config) -> Optional[str]:
    """A one-line description of the first scheduler without room in the training length."""
    train_cfg = cfg.get('train_cfg') or {}
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    lengths = {True: train_cfg.get('max_epochs'), False: train_cfg.get('max_iters')}
    for i, scheduler in enumerate(schedulers):
        by_epoch = scheduler.get('by_epoch', True)
        length = lengths[bool(by_epoch)]
        if length is None:
            continue  # the other unit: mmengine converts, nothing to compare here
        unit = 'epoch' if by_epoch else 'iteration'
        begin, end = scheduler.get('begin', 0), scheduler.get('end', length)
        if begin >= min(end, length):
            limit = 'train_cfg.max_epochs' if by_epoch else 'train_cfg.max_iters'
            return (f'param_scheduler[{i}] ({scheduler.get("type")}) starts at {unit} {begin}, '
                    f'but {limit} is {length}: it would never run (mmengine: "end should be '
                    f'larger than begin"); set {limit} above {begin} or change its begin/end')
    return None
