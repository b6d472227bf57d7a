"""PP-LCNet backbone: "PP-LCNet: A Lightweight CPU Convolutional Neural Network" (arXiv 2109.15099).

The architecture and the module names follow PaddleClas' ``pp_lcnet.py`` so that its checkpoints
convert one to one (see :mod:`pplc_vision.converters`).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn

from ...registry import register_model
from ..layers import DepthSepConv, make_divisible
from .base import StagedBackboneMixin, resolve_widen_factor

BlockMask = Union[str, Sequence[Union[bool, int]]]


def parse_block_mask(mask: Optional[BlockMask], default: List[bool], name: str) -> List[bool]:
    """Turn a 13-digit mask such as ``'0000000000011'`` (or a sequence of bools) into bools.

    The digits refer to the 13 depthwise-separable blocks in network order, as in the paper's
    ablation tables (first digit = first block of ``blocks2``).
    """
    if mask is None:
        return list(default)
    if isinstance(mask, str):
        if len(mask) != len(default) or set(mask) - {'0', '1'}:
            raise ValueError(f'{name}: expected a string of {len(default)} digits 0/1 '
                             f'(one per block), got {mask!r}')
        return [c == '1' for c in mask]
    values = list(mask)
    if len(values) != len(default):
        raise ValueError(f'{name}: expected {len(default)} entries (one per block), '
                         f'got {len(values)}: {values!r}')
    return [bool(v) for v in values]


def mask_to_str(mask: Sequence[bool]) -> str:
    """The 13-digit string form of a block mask."""
    return ''.join('1' if m else '0' for m in mask)


@register_model()
class PPLCNet(StagedBackboneMixin, BaseModule):
    """PP-LCNet backbone.

    A 3x3 stride-2 stem (``conv1``) followed by 13 depthwise-separable blocks in five stages
    (``blocks2`` .. ``blocks6``, output strides 2, 4, 8, 16, 32). Stage ``i`` of ``out_indices``
    is ``blocks{i + 2}``; its channels are ``make_divisible(c * widen_factor, 8)`` for
    ``c`` in (32, 64, 128, 256, 512). The contract (``out_indices``, ``frozen_stages``,
    ``norm_eval``, ``out_channels``) is :class:`StagedBackboneMixin`'s.

    Args:
        widen_factor: Width multiplier (the paper's 0.25x .. 2.5x; any positive value works).
            Defaults to 1.0.
        out_indices: Stages whose outputs are returned, in 0..4 (or -5..-1).
        frozen_stages: ``-1`` freezes nothing, ``0`` the stem, ``k`` the stem and the first ``k``
            stages (as in mmdet's ResNet and CSPNeXt); frozen parts stay in eval mode.
        se_blocks: Which of the 13 blocks carry SE, as a 13-digit mask (paper Table 6).
            ``None`` keeps the design (``'0000000000011'``).
        large_kernel_blocks: Which of the 13 blocks use ``large_kernel_size`` depthwise kernels
            instead of 3x3 (paper Table 7). ``None`` keeps the design (``'0000001111111'``).
        large_kernel_size: The large kernel size (5 in the paper).
        conv_cfg, norm_cfg, act_cfg: Layer configs; ``act_cfg`` is the network's activation
            (hard-swish in the paper, ``dict(type='ReLU')`` for the Table 8/9 ablations). The SE
            modules always use ReLU and hard-sigmoid.
        norm_eval: Keep BN layers in eval mode while training (frozen statistics).
        init_cfg: Initialisation config; use ``dict(type='Pretrained', checkpoint=...,
            prefix='backbone.')`` for converted ImageNet weights.
        scale: Deprecated alias of ``widen_factor`` (PaddleClas' name).
    """

    # stage name: blocks as [kernel, in_channels, out_channels, stride, use_se] at width 1.0
    arch_settings = {
        'blocks2': [[3, 16, 32, 1, False]],
        'blocks3': [[3, 32, 64, 2, False], [3, 64, 64, 1, False]],
        'blocks4': [[3, 64, 128, 2, False], [3, 128, 128, 1, False]],
        'blocks5': [[3, 128, 256, 2, False]] + [[5, 256, 256, 1, False]] * 5,
        'blocks6': [[5, 256, 512, 2, True], [5, 512, 512, 1, True]],
    }
    stem_channels = 16
    stage_names = tuple(arch_settings)
    stage_strides = (2, 4, 8, 16, 32)

    def __init__(self,
                 widen_factor: Optional[float] = None,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 se_blocks: Optional[BlockMask] = None,
                 large_kernel_blocks: Optional[BlockMask] = None,
                 large_kernel_size: int = 5,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='HSwish'),
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer='Conv2d'),
                     dict(type='Constant', val=1, layer=['_BatchNorm'])
                 ],
                 scale: Optional[float] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.widen_factor = resolve_widen_factor(type(self).__name__, widen_factor, scale)
        blocks = [b for stage in self.stage_names for b in self.arch_settings[stage]]
        self.se_blocks = parse_block_mask(se_blocks, [b[4] for b in blocks], 'se_blocks')
        self.large_kernel_blocks = parse_block_mask(
            large_kernel_blocks, [b[0] == 5 for b in blocks], 'large_kernel_blocks')
        layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.conv1 = ConvModule(
            3, self.scaled(self.stem_channels), 3, stride=2, padding=1, **layer_cfg)
        block_index = 0
        for stage in self.stage_names:
            stage_blocks = []
            for _, in_c, out_c, stride, _ in self.arch_settings[stage]:
                kernel = large_kernel_size if self.large_kernel_blocks[block_index] else 3
                stage_blocks.append(
                    DepthSepConv(self.scaled(in_c), self.scaled(out_c), kernel, stride,
                                 use_se=self.se_blocks[block_index], **layer_cfg))
                block_index += 1
            self.add_module(stage, nn.Sequential(*stage_blocks))
        self._init_stage_contract(
            out_indices, frozen_stages, norm_eval,
            [self.scaled(self.arch_settings[stage][-1][2]) for stage in self.stage_names])

    @property
    def scale(self) -> float:
        """Deprecated read-only alias of ``widen_factor``."""
        return self.widen_factor

    def scaled(self, channels: int) -> int:
        """Channels of a layer at this network's width."""
        return make_divisible(channels * self.widen_factor, 8)

    def stem_and_stages(self) -> List[nn.Module]:
        return [self.conv1] + [getattr(self, stage) for stage in self.stage_names]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.conv1(x)
        outs = []
        for i, stage in enumerate(self.stage_names):
            x = getattr(self, stage)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
