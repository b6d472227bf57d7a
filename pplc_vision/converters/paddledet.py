"""PaddleDetection PicoDet checkpoints (``.pdparams``) with an LCNet backbone to mmdet checkpoints.

Two families map one to one onto our configs:

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

from mmdet.registry import DATASETS
from torch import nn

from .checkpoint import ConversionError, StateDict, _short, add_bn_counters
from .paddle import _BN_NAMES, load_paddle_params, paddle_tensor, pplcnet_backbone_key
from .target import checkpoint_for_config, load_target_config

#: family -> (what names it, the neck our config must build, the head)
FAMILIES: Dict[str, Tuple[str, str, str]] = {
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
_PAN_LATERAL = re.compile(r'^neck\.pan_lateral(\d+)\.(weight|bias)$')
_TOWER = re.compile(r'^head\.conv_feat\.cls_conv_(dw|pw)(\d+)\.(\d+)\.(conv\.weight|norm\.\w+)$')
_PREDICTOR = re.compile(r'^head\.head_cls(\d+)\.(weight|bias)$')


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


def picodet_head_key(name: str) -> Optional[str]:
    """Our ``bbox_head.*`` name of a PaddleDetection ``PicoHead`` parameter."""
    if m := _TOWER.match(name):
        kind, level, block, leaf = m.groups()
        leaf = _leaf(leaf.replace('norm.', 'bn.', 1))
        return None if leaf is None else f'bbox_head.towers.{level}.{block}.{kind}_conv.{leaf}'
    if m := _PREDICTOR.match(name):
        return f'bbox_head.gfl_preds.{m.group(1)}.{m.group(2)}'
    if name == 'head.distribution_project.project':
        return 'bbox_head.integral.project'
    return None


def picodet_family(params: Mapping[str, Any]) -> Optional[str]:
    """``'csppan'`` or ``'pan'`` from the neck's names; None when neither is there."""
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
                              f'CSPPAN (neck.conv_t.*) or PAN (neck.pan_lateral*) neck among '
                              f'its keys ({_short(sorted(params), 3)})')
    out = OrderedDict()
    dropped, unknown = [], []
    for name, value in params.items():
        if name.startswith('StructuredToParameterName'):
            continue  # name table of old Paddle formats, not a weight
        if name.startswith('backbone.'):
            key = pplcnet_backbone_key(name[len('backbone.'):])
            key = None if key is None else f'backbone.{key}'
        else:
            key = picodet_neck_key(name) or picodet_head_key(name)
        if key is not None:
            out[key] = paddle_tensor(name, value, source)
        elif UNUSED.match(name):
            dropped.append(name)
        else:
            unknown.append(name)
    if unknown:
        raise ConversionError(f'{source} is not a PicoDet with an LCNet backbone, a '
                              f'{FAMILIES[family][1]} neck and a shared-tower PicoHead: '
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
    return checkpoint_for_config(state_dict, model, cfg, src, config, describe_detector(model),
                                 'paddledet', DATASETS, 'mmdet', dropped, 'unused')
