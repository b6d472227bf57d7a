"""PaddleDetection PicoDet checkpoints (``.pdparams``) with an LCNet backbone to mmdet checkpoints.

Three families map one to one onto our configs:

- PicoDet v2 (PaddleDetection ``configs/picodet/picodet_{xs,s,m,l}_*_coco_lcnet.yml``, 2022):
  ``LCPAN`` (``neck.conv_t``, ``top_down_blocks.i.j`` PP-LCNet blocks, ``downsamples``,
  ``first_top_conv``/``second_top_conv``) to :class:`LCPAN`; ``PicoHeadV2``'s towers, SE
  (``conv_feat.se``), ``head_cls``/``head_reg`` and ``cls_align`` to :class:`PicoHeadV2`
  (configs/det/picodet-v2_*); size (XS/S/M/L) and class count are checked first;
- the CSP-PAN PicoDet (PaddleDetection ``configs/picodet/legacy_model``, e.g.
  ``picodet_lcnet_1_5x_416_coco``): ``neck.conv_t``/``top_down_blocks``/``downsamples``/
  ``bottom_up_blocks``/``first_top_conv``/``second_top_conv`` (``CSPPAN``) to ``PicoCSPPAN``;
  ``head.conv_feat`` (``PicoFeat``, shared cls/reg) and ``head.head_cls{level}`` to
  ``PicoVFLHead``'s ``towers`` and ``gfl_preds`` (configs/det/picodet-csppan_*);
- the first PicoDet (PaddleDetection 2021.09, ``PAN`` without norm): ``neck.pan_lateral{i}`` to
  ``PicoPAN``'s ``lateral_convs``, the same head names to ``PicoGFLHead`` (configs/det/picodet_*).

The backbone is PaddleDetection's ``LCNet`` (PaddleClas' names). ``head.p{3..6}_feat.scale_reg``
are ``GFLHead`` scales that ``PicoHead`` never runs: dropped and listed in ``meta['dropped']``.
The result is checked key by key and shape by shape against the model the target config builds.
"""
import re
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Tuple

import torch
from mmdet.registry import DATASETS
from torch import nn

from ..models.dense_heads import PICODET_V2_ARCHS
from ..models.layers import make_divisible
from .checkpoint import ConversionError, StateDict, _short, add_bn_counters
from .paddle import _BN_NAMES, load_paddle_params, paddle_tensor, pplcnet_backbone_key
from .target import checkpoint_for_config, load_target_config

#: family -> (what names it, the neck our config must build, the head)
FAMILIES: Dict[str, Tuple[str, str, str]] = {
    'v2': ('head.cls_align.*', 'LCPAN', 'PicoHeadV2'),
    'csppan': ('neck.conv_t.*', 'PicoCSPPAN', 'PicoVFLHead'),
    'pan': ('neck.pan_lateral*', 'PicoPAN', 'PicoGFLHead'),
}
#: ``GFLHead`` scales that PaddleDetection's ``PicoHead`` builds but never runs.
UNUSED = re.compile(r'^head\.p\d+_feat\.scale_reg$')

# CSP-PAN: (Paddle module, our module); the depthwise-separable ``DPModule`` leaves follow.
_CSPPAN_MODULE = re.compile(
    r'^neck\.(conv_t\.convs|first_top_conv|second_top_conv|downsamples|top_down_blocks|'
    r'bottom_up_blocks)((?:\.\d+)?(?:\.(?:main_conv|short_conv|final_conv|blocks\.\d+\.conv[12]))?)'
    r'\.(conv\.weight|bn\.\w+|dwconv\.weight|pwconv\.weight|bn[12]\.\w+)$')
_CSPPAN_RENAME = {'conv_t.convs': 'channel_convs', 'first_top_conv': 'extra_in_conv',
                  'second_top_conv': 'extra_out_conv'}
_DP_LEAF = {'dwconv': 'dw_conv.conv', 'bn1': 'dw_conv.bn', 'pwconv': 'pw_conv.conv',
            'bn2': 'pw_conv.bn'}
# LCPAN's fusion blocks: PP-LCNet depthwise-separable blocks, PaddleClas' names
_LCPAN_BLOCK = re.compile(r'^neck\.((?:top_down|bottom_up)_blocks\.\d+\.\d+\.(?:dw|pw)_conv)\.'
                          r'(conv\.weight|bn\.\w+)$')
_PAN_LATERAL = re.compile(r'^neck\.pan_lateral(\d+)\.(weight|bias)$')
_TOWER = re.compile(r'^head\.conv_feat\.cls_conv_(dw|pw)(\d+)\.(\d+)\.(conv\.weight|norm\.\w+)$')
# ``head_cls{level}``, or ``head_cls_list.{level}`` where the head lists the same layers
_PREDICTOR = re.compile(r'^head\.head_(cls|reg)(?:_list\.)?(\d+)\.(weight|bias)$')
# PicoHeadV2: the SE of PicoFeat and the alignment branch (a DPModule)
_SE = re.compile(r'^head\.conv_feat\.se\.(\d+)\.(fc\.(?:weight|bias)|conv\.conv\.weight|'
                 r'conv\.norm\.\w+)$')
_ALIGN = re.compile(r'^head\.cls_align\.(\d+)\.(dwconv\.weight|pwconv\.weight|bn[12]\.\w+)$')
_ALIGN_LEAF = {'dwconv': '0.conv', 'bn1': '0.bn', 'pwconv': '1.conv', 'bn2': '1.bn'}


def _leaf(conv_or_bn: str) -> Optional[str]:
    """``conv.weight`` stays; ``bn.<paddle leaf>``/``norm.<...>`` -> ``bn.<torch leaf>``."""
    module, _, leaf = conv_or_bn.partition('.')
    if module == 'conv':
        return 'conv.weight'
    return f'bn.{_BN_NAMES[leaf]}' if leaf in _BN_NAMES else None


def picodet_neck_key(name: str) -> Optional[str]:
    """Our ``neck.*`` name of a PaddleDetection ``CSPPAN`` or ``PAN`` parameter."""
    if m := _PAN_LATERAL.match(name):
        return f'neck.lateral_convs.{m.group(1)}.{m.group(2)}'
    if m := _LCPAN_BLOCK.match(name):
        leaf = _leaf(m.group(2))
        return None if leaf is None else f'neck.{m.group(1)}.{leaf}'
    if (m := _CSPPAN_MODULE.match(name)) is None:
        return None
    module, rest, leaf = m.groups()
    dp_module, _, dp_leaf = leaf.partition('.')
    if dp_module in _DP_LEAF:
        if dp_module.startswith('bn') and dp_leaf not in _BN_NAMES:
            return None
        leaf = f'{_DP_LEAF[dp_module]}.{_BN_NAMES.get(dp_leaf, dp_leaf)}'
    elif (leaf := _leaf(leaf)) is None:
        return None
    return f'neck.{_CSPPAN_RENAME.get(module, module)}{rest}.{leaf}'


def picodet_head_key(name: str, family: str) -> Optional[str]:
    """Our ``bbox_head.*`` name of a PaddleDetection ``PicoHead`` (``family`` 'csppan' or
    'pan') or ``PicoHeadV2`` ('v2') parameter."""
    if m := _TOWER.match(name):
        kind, level, block, leaf = m.groups()
        leaf = _leaf(leaf.replace('norm.', 'bn.', 1))
        return None if leaf is None else f'bbox_head.towers.{level}.{block}.{kind}_conv.{leaf}'
    if m := _PREDICTOR.match(name):
        kind, level, leaf = m.groups()
        if family != 'v2':
            # one predictor for classes and boxes (share_cls_reg): head_cls only
            return f'bbox_head.gfl_preds.{level}.{leaf}' if kind != 'reg' else None
        return f'bbox_head.head_{kind}.{level}.{leaf}'
    if name == 'head.distribution_project.project':
        return 'bbox_head.integral.project'
    if family != 'v2':
        return None
    if m := _SE.match(name):
        level, leaf = m.groups()
        if leaf.startswith('conv.'):
            leaf = _leaf(leaf[len('conv.'):].replace('norm.', 'bn.', 1))
            leaf = None if leaf is None else f'conv.{leaf}'
        return None if leaf is None else f'bbox_head.se.{level}.{leaf}'
    if m := _ALIGN.match(name):
        level, leaf = m.groups()
        module, _, rest = leaf.partition('.')
        if module.startswith('bn'):
            if rest not in _BN_NAMES:
                return None
            rest = _BN_NAMES[rest]
        return f'bbox_head.cls_align.{level}.{_ALIGN_LEAF[module]}.{rest}'
    return None


def picodet_key(name: str, family: str) -> Optional[str]:
    """Our name of a PaddleDetection PicoDet (LCNet) parameter of ``family``; None for names
    that are not one (the unused ``scale_reg``, unknown names)."""
    if name.startswith('backbone.'):
        key = pplcnet_backbone_key(name[len('backbone.'):])
        return None if key is None else f'backbone.{key}'
    return picodet_neck_key(name) or picodet_head_key(name, family)


def picodet_family(params: Mapping[str, Any]) -> Optional[str]:
    """``'v2'``, ``'csppan'`` or ``'pan'`` from the head's and neck's names; None when none of
    them is there."""
    if any(k.startswith('head.cls_align.') for k in params):
        return 'v2'
    if any(k.startswith('neck.conv_t.') for k in params):
        return 'csppan'
    if any(k.startswith('neck.pan_lateral') for k in params):
        return 'pan'
    return None


def convert_paddledet_picodet(params: Mapping[str, Any], source: str = 'checkpoint'
                              ) -> Tuple[StateDict, List[str], str]:
    """Map a PaddleDetection PicoDet (LCNet) state dict to mmdet ``GFL`` keys.

    Returns the state dict, the dropped names (unused ``scale_reg``) and the family; any other
    name that is not a PicoDet-LCNet parameter raises :class:`ConversionError`.
    """
    family = picodet_family(params)
    if family is None:
        raise ConversionError(f'{source} is not a PaddleDetection PicoDet checkpoint: no '
                              f'PicoHeadV2 (head.cls_align.*), CSPPAN (neck.conv_t.*) or PAN '
                              f'(neck.pan_lateral*) among its keys ({_short(sorted(params), 3)})')
    out = OrderedDict()
    dropped, unknown = [], []
    for name, value in params.items():
        if name.startswith('StructuredToParameterName'):
            continue  # name table of old Paddle formats, not a weight
        key = picodet_key(name, family)
        if key is not None:
            out[key] = paddle_tensor(name, value, source)
        elif UNUSED.match(name):
            dropped.append(name)
        else:
            unknown.append(name)
    if unknown:
        raise ConversionError(f'{source} is not a PicoDet with an LCNet backbone, a '
                              f'{FAMILIES[family][1]} neck and a {FAMILIES[family][2]}: '
                              f'{len(unknown)} unknown keys: {_short(unknown)}')
    return add_bn_counters(out), dropped, family


def describe_detector(model: nn.Module) -> str:
    """``'PPLCNet-1.5x + PicoCSPPAN + PicoVFLHead (80 classes)'``."""
    width = getattr(model.backbone, 'widen_factor', None)
    return (f'{type(model.backbone).__name__}{f"-{width}x" if width is not None else ""} + '
            f'{type(model.neck).__name__} + {type(model.bbox_head).__name__} '
            f'({model.bbox_head.num_classes} classes)')


def check_class_count(state_dict: StateDict, model: nn.Module, src: str, config: str) -> None:
    """The checkpoint's class count (from its first class predictor, ``num_classes + 4 x
    (reg_max + 1)`` outputs) against the config's, named in one line when they differ."""
    weight = state_dict.get('bbox_head.gfl_preds.0.weight')
    head = model.bbox_head
    if weight is None or not hasattr(head, 'reg_max'):
        return  # the shape check names what is missing
    bins = head.reg_max + 1
    classes = int(weight.shape[0]) - 4 * bins
    if classes != head.cls_out_channels:
        raise ConversionError(
            f'{src} has {classes} classes (head.head_cls0: {weight.shape[0]} outputs = '
            f'{classes} + 4 x {bins}), config {config} has {head.cls_out_channels} '
            "(model.bbox_head.num_classes): set the config's classes to the checkpoint's")


def v2_layout(state_dict: Mapping[str, torch.Tensor]) -> Optional[Tuple[int, int, int, int]]:
    """``(stem channels, LCPAN channels, blocks per tower, classes)`` of a PicoDet v2 state dict
    in our names; None when a tensor that tells them is missing."""
    towers = {k for k in state_dict if re.match(r'bbox_head\.towers\.0\.\d+\.dw_conv\.conv\.', k)}
    keys = ('backbone.conv1.conv.weight', 'neck.channel_convs.0.conv.weight',
            'bbox_head.head_cls.0.weight')
    if not towers or any(k not in state_dict for k in keys):
        return None
    stem, channels, classes = (int(state_dict[k].shape[0]) for k in keys)
    return stem, channels, len(towers), classes


def describe_v2_size(layout: Tuple[int, int, int, int]) -> str:
    """``'S (PP-LCNet-0.75x, 96 channels, 2-block towers)'`` (or the unnamed layout)."""
    stem, channels, convs, _ = layout
    for size, (width, arch_channels, arch_convs) in PICODET_V2_ARCHS.items():
        if (make_divisible(16 * width, 8), arch_channels, arch_convs) == (stem, channels, convs):
            return f'{size} (PP-LCNet-{width}x, {channels} channels, {convs}-block towers)'
    return f'of no zoo size ({stem}-channel stem, {channels} channels, {convs}-block towers)'


def check_v2_fit(state_dict: StateDict, model: nn.Module, src: str, config: str) -> None:
    """PicoDet v2 size (XS/S/M/L) and class count of the checkpoint against the config's, each
    named in a :class:`ConversionError` before any shape-by-shape mismatch."""
    theirs, ours = v2_layout(state_dict), v2_layout(model.state_dict())
    if theirs is None or ours is None:
        return
    if theirs[:3] != ours[:3]:
        raise ConversionError(f'{src} is PicoDet v2 {describe_v2_size(theirs)}, but config '
                              f'{config} builds PicoDet v2 {describe_v2_size(ours)}')
    if theirs[3] != ours[3]:
        raise ConversionError(
            f'{src} has {theirs[3]} classes (bbox_head.head_cls.0.weight '
            f'{tuple(state_dict["bbox_head.head_cls.0.weight"].shape)}), but config {config} '
            f'builds {ours[3]}: set its classes to the checkpoint\'s, or fine-tune from it '
            f'(load_from with partial_load=True re-initialises the class convs)')


def paddledet_checkpoint(src: str, config: str) -> Tuple[dict, str]:
    """The mmengine checkpoint (``state_dict`` + ``meta``) of ``src`` for ``config``'s detector
    and a one-line summary; :class:`ConversionError` when it does not fit exactly."""
    state_dict, dropped, family = convert_paddledet_picodet(load_paddle_params(src), source=src)
    cfg, model = load_target_config(config, 'bbox_head', tuple(h for _, _, h in
                                                               FAMILIES.values()))
    what, neck, head = FAMILIES[family]
    if (type(model.neck).__name__, type(model.bbox_head).__name__) != (neck, head):
        raise ConversionError(
            f'{src} is a {family} PicoDet ({what}: {neck} + {head}), but config {config} builds '
            f'{describe_detector(model)}')
    check_class_count(state_dict, model, src, config)
    if family == 'v2':
        check_v2_fit(state_dict, model, src, config)
    return checkpoint_for_config(state_dict, model, cfg, src, config, describe_detector(model),
                                 'paddledet', DATASETS, 'mmdet', dropped, 'unused')
