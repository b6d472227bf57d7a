"""PaddleClas MobileNetV3 checkpoints (``.pdparams``) to pplc_vision's classifier state dict.

PaddleClas' ``MobileNetV3_{large,small}_x*`` and PaddleSeg's backbone copy share module names
with :class:`~pplc_vision.models.backbones.PaddleMobileNetV3` (``conv``, ``blocks.N.*``), so the
backbone maps one to one (:func:`mobilenet_v3_backbone_key`). The Paddle traps are those of
PP-LCNet (:mod:`.paddle`): BN ``_mean``/``_variance``, Linear weights ``[in, out]``, and the
``downscale_in_infer`` dropout before ``fc``, whose ``1 - p`` is folded into ``fc.weight``.
"""
import re
from collections import OrderedDict
from typing import Any, Mapping, Optional, Tuple

from torch import nn

from ..models.backbones.paddle_mobilenet_v3 import PaddleMobileNetV3
from ..models.layers import make_divisible
from ..registry import build_in_scope
from .checkpoint import (ConversionError, StateDict, _short, add_bn_counters, select_backbone,
                         state_dict_mismatch)
from .paddle import _BN_NAMES, paddle_tensor

#: The widths PaddleClas publishes for both archs, tried in order when none is given.
PADDLECLAS_WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.25)
MOBILENET_V3_ARCHS = tuple(PaddleMobileNetV3.arch_settings)
_CONV_BN = re.compile(r'^(conv|blocks\.\d+\.(?:expand_conv|bottleneck_conv|linear_conv)|'
                      r'last_second_conv)\.(conv\.weight|bn\.(?:weight|bias|_mean|_variance))$')
_SE = re.compile(r'^(blocks\.\d+\.mid_se\.conv[12])\.(weight|bias)$')
_HEAD = {'last_conv.weight': 'head.last_conv.weight', 'fc.weight': 'head.fc.weight',
         'fc.bias': 'head.fc.bias'}


def _paddle_to_torch_key(name: str) -> Optional[str]:
    """Our ``PaddleMobileNetV3(with_last_conv=True)`` name of a Paddle backbone parameter."""
    if m := _CONV_BN.match(name):
        module, leaf = m.groups()
        if leaf.startswith('bn.'):
            leaf = 'bn.' + _BN_NAMES[leaf[3:]]
        return f'{module}.{leaf}'
    if m := _SE.match(name):
        module, leaf = m.groups()
        return f'{module}.conv.{leaf}'
    return None


def mobilenet_v3_backbone_key(name: str) -> Optional[str]:
    """Our ``PaddleMobileNetV3`` state-dict name of a Paddle MobileNetV3 parameter.

    ``name`` is PaddleClas' or PaddleSeg's parameter name without any prefix
    (``'blocks.3.mid_se.conv1.weight'`` gives ``'blocks.3.mid_se.conv1.conv.weight'``,
    ``'conv.bn._mean'`` gives ``'conv.bn.running_mean'``); ``None`` for names outside the feature
    backbone (``last_second_conv``, ``last_conv``, ``fc``) and unknown names.
    """
    if name.startswith('last_second_conv.'):
        return None
    return _paddle_to_torch_key(name)


def build_mobilenet_v3_classifier(arch: str, widen_factor: float, num_classes: int = 1000,
                                  dropout_rate: float = 0.2) -> nn.Module:
    """The mmpretrain ``ImageClassifier`` equal to PaddleClas' ``MobileNetV3_{arch}_x{w}``."""
    return build_in_scope(
        dict(
            type='ImageClassifier',
            backbone=dict(type='PaddleMobileNetV3', arch=arch, widen_factor=widen_factor,
                          out_indices=(4, ), with_last_conv=True),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='PPLCNetClsHead',
                num_classes=num_classes,
                in_channels=PaddleMobileNetV3.last_conv_channels[arch],
                widen_factor=widen_factor,
                mid_channels=1280,
                last_conv_bias=False,
                dropout_rate=dropout_rate)), 'mmpretrain')


def model_name(arch: str, widen_factor: float) -> str:
    """``'MobileNetV3-large-0.5x'``."""
    return f'MobileNetV3-{arch}-{widen_factor}x'


def convert_paddle_mobilenet_v3(params: Mapping[str, Any], dropout_rate: float = 0.2,
                                source: str = 'checkpoint') -> StateDict:
    """Map PaddleClas ``MobileNetV3`` parameter names and layouts to ``ImageClassifier`` keys."""
    if not 0.0 <= dropout_rate < 1.0:
        raise ConversionError(f'dropout rate must be in [0, 1), got {dropout_rate}')
    out = OrderedDict()
    unknown = []
    for name, value in params.items():
        if name.startswith('StructuredToParameterName'):
            continue  # name table of old Paddle formats, not a weight
        if (key := _paddle_to_torch_key(name)) is not None:
            out['backbone.' + key] = paddle_tensor(name, value, source)
        elif name in _HEAD:
            out[_HEAD[name]] = paddle_tensor(name, value, source)
        else:
            unknown.append(name)
    if unknown:
        raise ConversionError(f'{source} is not a PaddleClas MobileNetV3 checkpoint: '
                              f'{len(unknown)} unknown keys: {_short(unknown)}')
    missing = [k for k in ('conv.conv.weight', *_HEAD) if k not in params]
    if missing:
        raise ConversionError(f'{source} is not a complete PaddleClas MobileNetV3 classifier: '
                              f'missing {", ".join(missing)}')
    fc = out['head.fc.weight']
    if fc.dim() != 2:
        raise ConversionError(f'{source}: fc.weight should be 2-D [in, out], got '
                              f'{tuple(fc.shape)}')
    # Paddle's Linear is [in, out]; its downscale_in_infer dropout sits between last_conv and fc
    out['head.fc.weight'] = fc.t().contiguous() * (1.0 - dropout_rate)
    return add_bn_counters(out)


def match_arch_width(state_dict: StateDict, arch: Optional[str], widen_factor: Optional[float],
                     source: str) -> Tuple[str, float]:
    """The ``(arch, widen_factor)`` whose classifier has exactly these keys and shapes.

    Given values are checked; missing ones are inferred by trying ``MOBILENET_V3_ARCHS`` and
    ``PADDLECLAS_WIDTHS``. A misfit raises :class:`ConversionError` naming keys or shapes.
    """
    if arch is not None and arch not in MOBILENET_V3_ARCHS:
        raise ConversionError(f'arch must be one of {MOBILENET_V3_ARCHS}, got {arch!r}')
    if widen_factor is not None and not widen_factor > 0:
        raise ConversionError(f'widen factor must be positive, got {widen_factor!r}')
    num_classes = int(state_dict['head.fc.weight'].shape[0])
    widths = (widen_factor, ) if widen_factor is not None else PADDLECLAS_WIDTHS
    misfits = []  # (arch, width, problems, keys differ)
    for a in ((arch, ) if arch is not None else MOBILENET_V3_ARCHS):
        for w in widths:
            problems = state_dict_mismatch(
                state_dict, build_mobilenet_v3_classifier(a, w, num_classes))
            if not problems:
                return a, w
            keys_differ = any('keys' in p for p in problems)
            misfits.append((a, w, problems, keys_differ))
            if keys_differ:
                break  # the keys depend on the arch only: no other width fits
    # report the right arch's misfit if there is one (only shapes differ), else the first arch's
    a, w, problems, keys_differ = next((m for m in misfits if not m[3]), misfits[0])
    if keys_differ:
        what = f'MobileNetV3-{a} (any width)' if arch is not None else \
            f'MobileNetV3-large or -small (e.g. {model_name(a, w)})'
    elif widen_factor is not None:
        what = model_name(a, w)
    else:
        what = f'MobileNetV3-{a} at any of the widths {widths} (e.g. {model_name(a, w)})'
    raise ConversionError(f'{source} does not fit {what}: ' + '; '.join(problems))


def select_feature_backbone(state_dict: StateDict) -> StateDict:
    """``backbone.*`` weights without ``last_second_conv``, for detection/segmentation
    backbones (``PaddleMobileNetV3(with_last_conv=False)``)."""
    return OrderedDict((k, v) for k, v in select_backbone(state_dict).items()
                       if not k.startswith('backbone.last_second_conv.'))
