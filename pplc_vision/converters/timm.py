"""timm ``lcnet_*`` state dicts to pplc_vision's classifier state dict.

timm builds PP-LCNet from its MobileNetV3 class (``_gen_lcnet``): the 13 blocks live in
``blocks.{stage}.{index}`` with another stage split, BN layers are ``bn1``/``bn2``, SE convs are
``conv_reduce``/``conv_expand``, and the last 1x1 conv (``conv_head``) has a bias.
"""
import os
import re
from collections import OrderedDict
from typing import Mapping

import torch

from ..compat import CheckpointLoadError, first_line, safe_torch_load
from .checkpoint import ConversionError, StateDict, _short, block_names

_STEM = {'conv_stem.weight': 'conv1.conv.weight'}
_BLOCK_PARTS = {
    'conv_dw.weight': 'dw_conv.conv.weight',
    'conv_pw.weight': 'pw_conv.conv.weight',
    'se.conv_reduce.weight': 'se.conv1.conv.weight',
    'se.conv_reduce.bias': 'se.conv1.conv.bias',
    'se.conv_expand.weight': 'se.conv2.conv.weight',
    'se.conv_expand.bias': 'se.conv2.conv.bias',
}
_BN_LEAVES = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')
for _leaf in _BN_LEAVES:
    _STEM[f'bn1.{_leaf}'] = f'conv1.bn.{_leaf}'
    _BLOCK_PARTS[f'bn1.{_leaf}'] = f'dw_conv.bn.{_leaf}'
    _BLOCK_PARTS[f'bn2.{_leaf}'] = f'pw_conv.bn.{_leaf}'
_HEAD = {'conv_head.weight': 'head.last_conv.weight', 'conv_head.bias': 'head.last_conv.bias',
         'classifier.weight': 'head.fc.weight', 'classifier.bias': 'head.fc.bias'}
_BLOCK = re.compile(r'^blocks\.(\d+)\.(\d+)\.(.+)$')


def load_torch_state_dict(path: str) -> Mapping[str, torch.Tensor]:
    """Read a state dict from ``.pth``/``.bin`` (``torch.save``) or ``.safetensors``."""
    if not os.path.isfile(path):
        raise ConversionError(f'{path}: no such file')
    try:
        if path.endswith('.safetensors'):
            from safetensors.torch import load_file  # optional: only for .safetensors files
            obj = load_file(path)
        else:
            obj = safe_torch_load(path, map_location='cpu')
    except CheckpointLoadError as e:
        raise ConversionError(str(e)) from None
    except Exception as e:  # safetensors and torch's reader raise several types
        kind = 'a safetensors' if path.endswith('.safetensors') else 'a torch'
        raise ConversionError(f'{path}: cannot read it as {kind} file (truncated or another '
                              f'format): {type(e).__name__}: {first_line(e)}') from None
    if isinstance(obj, Mapping) and isinstance(obj.get('state_dict'), Mapping):
        obj = obj['state_dict']
    if not isinstance(obj, Mapping):
        raise ConversionError(f'{path}: expected a state dict, got {type(obj).__name__}')
    return obj


def convert_timm_lcnet(state_dict: Mapping[str, torch.Tensor],
                       source: str = 'checkpoint') -> StateDict:
    """Map a timm ``lcnet_*`` state dict to ``ImageClassifier`` keys."""
    block_ids = sorted({(int(m.group(1)), int(m.group(2)))
                        for m in map(_BLOCK.match, state_dict) if m})
    targets = block_names()
    if len(block_ids) != len(targets):
        raise ConversionError(f'{source} is not a timm lcnet state dict: expected '
                              f'{len(targets)} blocks under blocks.*, found {len(block_ids)}')
    block_map = {ids: name for ids, name in zip(block_ids, targets)}
    out = OrderedDict()
    unknown = []
    for name, tensor in state_dict.items():
        if name in _STEM:
            out['backbone.' + _STEM[name]] = tensor
        elif name in _HEAD:
            out[_HEAD[name]] = tensor
        elif (m := _BLOCK.match(name)) and m.group(3) in _BLOCK_PARTS:
            block = block_map[(int(m.group(1)), int(m.group(2)))]
            out[f'backbone.{block}.{_BLOCK_PARTS[m.group(3)]}'] = tensor
        else:
            unknown.append(name)
    if unknown:
        raise ConversionError(f'{source} is not a timm lcnet state dict: {len(unknown)} '
                              f'unknown keys: {_short(unknown)}')
    return out
