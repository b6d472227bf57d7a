"""MobileOne (arXiv 2206.04040) as a detection and segmentation backbone: mmpretrain's network.

mmpretrain 1.2 implements MobileOne (arch ``'s0'`` .. ``'s4'``, exact ``switch_to_deploy()``
re-parameterisation) and registers it in its own scope. This module registers it in the mmdet
and mmseg scopes too, as a thin subclass that only adds the toolkit's backbone contract
(:mod:`.base`): ``out_channels``, argument checks with one-line errors, freezing at build time,
and ``train()`` returning the module.
The network, its parameter names and its re-parameterisation are mmpretrain's: state dicts load
either way and ``type='mmpretrain.MobileOne'`` (the upstream class) builds in any scope as well.

``out_indices`` contract: index k in 0..3 is ``stage{k+1}``, output stride ``4, 8, 16, 32``;
its channels are ``out_channels[k]``:

====  ==================  ====  ==================
arch  channels (0..3)     arch  channels (0..3)
====  ==================  ====  ==================
s0    48, 128, 256, 1024  s3    128, 320, 768, 2048
s1    96, 192, 512, 1280  s4    192, 448, 896, 2048
s2    96, 256, 640, 2048
====  ==================  ====  ==================
"""
from typing import Dict, List, Sequence, Union

from mmpretrain.models.backbones.mobileone import MobileOne as _MMPretrainMobileOne
from torch import nn

from ...registry import register_model
from .base import StagedBackboneMixin

OUT_STRIDES = (4, 8, 16, 32)
_BASE_CHANNELS = (64, 128, 256, 512)  # mmpretrain's per-stage base widths


def mobileone_out_channels(arch: Union[str, Dict[str, list]]) -> List[int]:
    """Channels of the outputs 0..3 (strides 4..32) of ``MobileOne(arch)``."""
    if isinstance(arch, str):
        if arch not in _MMPretrainMobileOne.arch_zoo:
            raise ValueError(f'MobileOne: unknown arch {arch!r}; expected one of '
                             f'{sorted(_MMPretrainMobileOne.arch_zoo)} or a dict')
        arch = _MMPretrainMobileOne.arch_zoo[arch]
    elif not isinstance(arch, dict) or 'width_factor' not in arch:
        raise ValueError(f'MobileOne: arch must be a name or a dict with width_factor, '
                         f'got {arch!r}')
    return [int(c * w) for c, w in zip(_BASE_CHANNELS, arch['width_factor'])]


@register_model(scopes=('mmdet', 'mmseg'))
class MobileOne(StagedBackboneMixin, _MMPretrainMobileOne):
    """mmpretrain's MobileOne with the toolkit's backbone contract (see the module docstring).

    Args are mmpretrain's (``arch``, ``out_indices``, ``frozen_stages``, ``norm_eval``,
    ``deploy``, ``init_cfg``, ...); ``out_indices`` must lie in 0..3 (or -4..-1) and
    ``frozen_stages`` in -1..4 (``k``: the stem ``stage0`` and the first ``k`` stages).
    """

    stage_strides = OUT_STRIDES

    def __init__(self, arch: Union[str, dict] = 's0', out_indices: Sequence[int] = (3, ),
                 frozen_stages: int = -1, norm_eval: bool = False, **kwargs) -> None:
        out_channels = mobileone_out_channels(arch)
        # checked before mmpretrain's __init__, which asserts instead
        indices = self._check_stage_args(out_indices, frozen_stages)
        super().__init__(arch, out_indices=list(indices), frozen_stages=frozen_stages,
                         norm_eval=norm_eval, **kwargs)
        self._init_stage_contract(indices, frozen_stages, norm_eval, out_channels)

    def stem_and_stages(self) -> List[nn.Module]:
        return [self.stage0] + [getattr(self, name) for name in self.stages]
