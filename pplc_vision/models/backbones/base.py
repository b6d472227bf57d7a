"""The contract every backbone of the toolkit keeps: a stem, then stages picked by index.

A backbone is a stem followed by ``len(stage_strides)`` stages. ``out_indices`` selects stages
(Python-style: ``-1`` is the last), and ``forward`` returns their outputs in stage order;
``out_channels[k]`` is the channel count of stage ``k``, so a neck's ``in_channels`` is
``[out_channels[k] for k in out_indices]``. ``frozen_stages`` freezes the stem (``0``) and the
first ``k`` stages (``k``), as mmdet's ResNet and CSPNeXt do; ``norm_eval`` keeps every BN
layer in eval mode while training. Bad arguments give one-line ``ValueError``s.

A new backbone subclasses :class:`StagedBackboneMixin` before its ``nn.Module`` base, sets
``stage_strides``, implements :meth:`~StagedBackboneMixin.stem_and_stages` and calls
:meth:`~StagedBackboneMixin._init_stage_contract` once its layers exist.
"""
import warnings
from typing import List, Optional, Sequence, Tuple, Union

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

OutIndices = Union[int, Sequence[int]]


def resolve_widen_factor(owner: str, widen_factor: Optional[float],
                         scale: Optional[float] = None) -> float:
    """The width multiplier from ``widen_factor`` or its deprecated alias ``scale``.

    ``None`` for both gives 1.0; ``scale`` alone warns (``DeprecationWarning``); both given and
    different is an error, as is a multiplier that is not positive.
    """
    if scale is not None:
        if widen_factor is not None and widen_factor != scale:
            raise ValueError(f'{owner}: scale is a deprecated alias of widen_factor; got '
                             f'widen_factor={widen_factor!r} and scale={scale!r}')
        warnings.warn(f'{owner}: scale is deprecated, use widen_factor={scale!r}',
                      DeprecationWarning, stacklevel=3)
        widen_factor = scale
    if widen_factor is None:
        widen_factor = 1.0
    if (not isinstance(widen_factor, (int, float)) or isinstance(widen_factor, bool)
            or not widen_factor > 0):
        raise ValueError(f'{owner}: widen_factor must be a positive number, got {widen_factor!r}')
    return float(widen_factor)


class StagedBackboneMixin:
    """``out_indices``, ``frozen_stages``, ``norm_eval``, ``out_channels`` and ``train()``.

    Put it first in the bases (``class Net(StagedBackboneMixin, BaseModule)``) so that its
    ``train()`` and ``_freeze_stages()`` take precedence over a parent network's.

    Attributes set by :meth:`_init_stage_contract`:
        out_indices (tuple[int]): Selected stages, in 0..num_stages-1, increasing.
        frozen_stages (int): ``-1`` nothing, ``0`` the stem, ``k`` the stem and stages 0..k-1.
        norm_eval (bool): BN layers stay in eval mode in ``train()``.
        out_channels (list[int]): Channels of every stage (index ``k`` = stage ``k``).
    """

    #: Output stride of every stage; its length is the number of stages.
    stage_strides: Tuple[int, ...] = ()

    @classmethod
    def _check_stage_args(cls, out_indices: OutIndices, frozen_stages: int) -> Tuple[int, ...]:
        """Validate ``out_indices`` and ``frozen_stages``; the indices made non-negative.

        Needs no built module, so a subclass can call it before its parent's ``__init__``.
        """
        num = len(cls.stage_strides)
        indices = [out_indices] if isinstance(out_indices, int) else out_indices
        valid = isinstance(indices, Sequence) and len(indices) > 0 and all(
            isinstance(i, int) and not isinstance(i, bool) and -num <= i < num for i in indices)
        normalised = tuple(i % num for i in indices) if valid else ()
        if not valid or any(a >= b for a, b in zip(normalised, normalised[1:])):
            raise ValueError(f'{cls.__name__}: out_indices must be increasing stage indices in '
                             f'0..{num - 1} (or -{num}..-1; strides {cls.stage_strides}), '
                             f'got {out_indices!r}')
        if (not isinstance(frozen_stages, int) or isinstance(frozen_stages, bool)
                or frozen_stages not in range(-1, num + 1)):
            raise ValueError(f'{cls.__name__}: frozen_stages must be in -1..{num}, '
                             f'got {frozen_stages!r}')
        return normalised

    def _init_stage_contract(self, out_indices: OutIndices, frozen_stages: int, norm_eval: bool,
                             out_channels: Sequence[int]) -> None:
        """Check and store the contract's arguments and freeze; call once the layers exist."""
        self.out_indices = self._check_stage_args(out_indices, frozen_stages)
        if len(out_channels) != len(self.stage_strides):
            raise ValueError(f'{type(self).__name__}: {len(out_channels)} out_channels for '
                             f'{len(self.stage_strides)} stages')
        self.frozen_stages = frozen_stages
        self.norm_eval = bool(norm_eval)
        self.out_channels: List[int] = [int(c) for c in out_channels]
        self._freeze_stages()

    def stem_and_stages(self) -> List[nn.Module]:
        """The stem, then one module per stage (``frozen_stages=k`` freezes the first k + 1)."""
        raise NotImplementedError(f'{type(self).__name__} must implement stem_and_stages()')

    def _freeze_stages(self) -> None:
        for module in self.stem_and_stages()[:self.frozen_stages + 1]:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'StagedBackboneMixin':
        """Set the mode; frozen parts stay in eval mode, and BN too under ``norm_eval``."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
