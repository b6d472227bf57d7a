"""Switch re-parameterisable modules (MobileOne, RepVGG, ...) of any model to their deploy form.

A module is re-parameterisable when it has a ``switch_to_deploy()`` method (mmpretrain's
convention): training-time branches are merged into one convolution, in place, exactly up to
float rounding. Whole networks (mmpretrain's ``MobileOne``) switch all their blocks themselves,
so the walk calls the outermost such module once and then only touches descendants that still
report ``deploy=False``; modules it switched are marked, so that a second walk (or a module with
no ``deploy`` flag) is never switched twice.
"""
import sys
from dataclasses import dataclass
from typing import List

from torch import nn

_MARK = '_pplc_switched_to_deploy'  # set on the modules this walk switched


@dataclass(frozen=True)
class SwitchedModule:
    """One ``switch_to_deploy()`` call: the module's name in the model, its class, and how many
    blocks it merged (its re-parameterisable descendants, or 1 for a block itself)."""
    name: str
    type: str
    blocks: int


def _has_switch(module: nn.Module) -> bool:
    return callable(getattr(module, 'switch_to_deploy', None))


def _walk(module: nn.Module, name: str, covered: bool, out: List[SwitchedModule]) -> None:
    if _has_switch(module):
        flag = getattr(module, 'deploy', None)
        if flag is True or getattr(module, _MARK, False):
            return  # already in deploy form, and so are its blocks
        # A module without a ``deploy`` flag inside a switched one is taken as covered by it.
        if flag is False or not covered:
            blocks = max(1, sum(1 for m in module.modules() if m is not module and _has_switch(m)))
            module.switch_to_deploy()
            setattr(module, _MARK, True)
            out.append(SwitchedModule(name or type(module).__name__, type(module).__name__,
                                      blocks))
            covered = True
    for child_name, child in list(module.named_children()):
        _walk(child, f'{name}.{child_name}' if name else child_name, covered, out)


def report(message: str) -> None:
    """One line on stderr."""
    print(f'[pplc_vision] {message}', file=sys.stderr, flush=True)


def switch_to_deploy(model: nn.Module, log: bool = True) -> List[SwitchedModule]:
    """Switch every re-parameterisable module of ``model`` to its deploy form, in place.

    Returns what was switched (empty when nothing was, e.g. PP-LCNet, or when the model is
    already in deploy form) and, when ``log``, says so in one line on stderr (stdout stays free
    for the tables the tools print). Calling it again is a no-op.
    """
    switched: List[SwitchedModule] = []
    _walk(model, '', False, switched)
    if log and switched:
        parts = ', '.join(f'{s.name} ({s.type}, {s.blocks} blocks)' for s in switched)
        report(f're-parameterised to the deploy form (branches merged): {parts}')
    return switched
