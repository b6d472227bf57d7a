"""What every converter shares: the target model, the check against it, and the atomic save."""
from collections import OrderedDict
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

import torch
from torch import nn

from ..engine.atomic_save import atomic_write
from ..models.backbones.pplcnet import PPLCNet, mask_to_str
from ..models.layers import make_divisible
from ..registry import build_in_scope

StateDict = Dict[str, torch.Tensor]
# The scales of the paper's Table 2, tried in order when a checkpoint's scale is not given.
PAPER_SCALES = (0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)


class ConversionError(ValueError):
    """A checkpoint that cannot be converted; the message names the offending keys or shapes."""


def build_pplcnet_classifier(scale: float,
                             num_classes: int = 1000,
                             use_last_conv: bool = True,
                             last_conv_bias: bool = False,
                             se_blocks: Optional[Sequence[bool]] = None,
                             large_kernel_blocks: Optional[Sequence[bool]] = None) -> nn.Module:
    """The mmpretrain ``ImageClassifier`` that the ``configs/cls`` configs build."""
    backbone = dict(type='PPLCNet', widen_factor=scale)
    if se_blocks is not None:
        backbone['se_blocks'] = mask_to_str(se_blocks)
    if large_kernel_blocks is not None:
        backbone['large_kernel_blocks'] = mask_to_str(large_kernel_blocks)
    return build_in_scope(
        dict(
            type='ImageClassifier',
            backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='PPLCNetClsHead',
                num_classes=num_classes,
                in_channels=512,
                widen_factor=scale,
                use_last_conv=use_last_conv,
                last_conv_bias=last_conv_bias)), 'mmpretrain')


def _short(items: Iterable[str], limit: int = 4) -> str:
    items = list(items)
    shown = ', '.join(items[:limit])
    return shown + (f' (+{len(items) - limit} more)' if len(items) > limit else '')


def state_dict_mismatch(state_dict: Mapping[str, torch.Tensor], model: nn.Module) -> List[str]:
    """Differences between a state dict and a model's: missing/unexpected keys, shape mismatches."""
    expected = model.state_dict()
    problems = []
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    shapes = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(expected[k].shape)}'
        for k, v in state_dict.items() if k in expected and v.shape != expected[k].shape
    ]
    if missing:
        problems.append(f'{len(missing)} missing keys: {_short(missing)}')
    if unexpected:
        problems.append(f'{len(unexpected)} unexpected keys: {_short(unexpected)}')
    if shapes:
        problems.append(f'{len(shapes)} shape mismatches: {_short(shapes, 3)}')
    return problems


def match_scale(state_dict: StateDict, scale: Optional[float], source: str, **model_kwargs
                ) -> float:
    """The PP-LCNet scale whose classifier has exactly these keys and shapes.

    With ``scale`` given, check it and raise :class:`ConversionError` naming the mismatch;
    otherwise try the paper's scales and return the one that fits.
    """
    candidates = (scale, ) if scale is not None else PAPER_SCALES
    first_problems = None
    for s in candidates:
        problems = state_dict_mismatch(state_dict, build_pplcnet_classifier(s, **model_kwargs))
        if not problems:
            return s
        first_problems = first_problems or problems
        if scale is None and any('keys' in p for p in problems):
            break  # a key mismatch does not depend on the scale
    what = f'PP-LCNet-{scale}x' if scale is not None else \
        f'PP-LCNet at any of the scales {PAPER_SCALES}'
    raise ConversionError(f'{source} does not fit {what}: ' + '; '.join(first_problems))


def select_backbone(state_dict: StateDict) -> StateDict:
    """Only the ``backbone.*`` weights, for ``init_cfg=dict(type='Pretrained', prefix='backbone.')``."""
    return OrderedDict((k, v) for k, v in state_dict.items() if k.startswith('backbone.'))


def add_bn_counters(state_dict: StateDict) -> StateDict:
    """Add the ``num_batches_tracked`` buffer that torch's BatchNorm has and other frameworks lack."""
    out = OrderedDict()
    for k, v in state_dict.items():
        out[k] = v
        if k.endswith('.running_var'):
            counter = k[:-len('running_var')] + 'num_batches_tracked'
            out.setdefault(counter, torch.tensor(0, dtype=torch.long))
    return out


def save_checkpoint_atomic(checkpoint: dict, path: str) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename it over ``path``."""
    atomic_write(path, lambda f: torch.save(checkpoint, f))


def block_names() -> List[str]:
    """The 13 depthwise-separable blocks' module paths in network order (``blocks2.0`` ...)."""
    return [f'{stage}.{i}' for stage in PPLCNet.stage_names
            for i in range(len(PPLCNet.arch_settings[stage]))]
