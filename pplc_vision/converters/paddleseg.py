"""PaddleSeg ``DeepLabV3P`` checkpoints (``.pdparams``) to mmseg ``EncoderDecoder`` checkpoints.

The paper's Table 5 models are PaddleSeg's ``DeepLabV3P`` (``paddleseg/models/deeplab.py``) on
PaddleSeg's ``MobileNetV3_large_x*`` or on PaddleClas' ``PPLCNet`` wrapped to return its stride-4
and stride-32 features. Their weights map one to one onto an ``EncoderDecoder`` with
``PaddleMobileNetV3`` / ``PPLCNet`` (``out_indices=(1, 4)``) and ``PaddleSegDeepLabV3PlusHead``:

- ``backbone.*``: the Paddle backbone's names (:func:`~.paddle.pplcnet_backbone_key`,
  :func:`~.paddle_mobilenet_v3.mobilenet_v3_backbone_key`). The classifier of a wrapped
  PaddleClas network (``last_conv``, ``fc``; ``last_second_conv`` of MobileNetV3) is never run
  by DeepLabV3P and is dropped (the converted checkpoint's ``meta['dropped']`` lists it);
- ``head.aspp.*`` and ``head.decoder.*`` (``ConvBNReLU``: ``_conv``/``_batch_norm``;
  ``SeparableConvBNReLU``: ``depthwise_conv``/``piontwise_conv`` [sic]) to ``decode_head.*``.

BN statistics are ``_mean``/``_variance``; Paddle's BN eps (1e-5) is torch's. The result is
checked key by key and shape by shape against the model that the target config builds.
"""
import re
from collections import OrderedDict
from typing import Any, List, Mapping, Optional, Tuple

from mmseg.registry import DATASETS
from torch import nn

from .checkpoint import ConversionError, StateDict, _short, add_bn_counters
from .paddle import _BN_NAMES, load_paddle_params, paddle_tensor, pplcnet_backbone_key
from .paddle_mobilenet_v3 import mobilenet_v3_backbone_key
from .target import checkpoint_for_config, load_target_config

#: Classifier parts of wrapped PaddleClas backbones that DeepLabV3P never runs.
CLASSIFIER_PARTS = ('last_second_conv', 'last_conv', 'fc')
#: The decode head that PaddleSeg's ``DeepLabV3PHead`` converts to.
HEAD_TYPE = 'PaddleSegDeepLabV3PlusHead'
# PaddleSeg head module -> ours (``aspp_blocks.K`` keeps its index).
_HEAD_MODULES = {
    'aspp.global_avg_pool.1': 'image_pool.1',
    'aspp.conv_bn_relu': 'aspp_project',
    'decoder.conv_bn_relu1': 'low_level_project',
    'decoder.conv_bn_relu2': 'decoder_convs.0',
    'decoder.conv_bn_relu3': 'decoder_convs.1',
}
_HEAD_CONV_BN = re.compile(
    r'^head\.(aspp\.aspp_blocks\.\d+|aspp\.global_avg_pool\.1|aspp\.conv_bn_relu|'
    r'decoder\.conv_bn_relu[123])\.(?:(depthwise_conv|piontwise_conv)\.)?'
    r'(?:_conv\.(weight|bias)|_batch_norm\.(weight|bias|_mean|_variance))$')
_HEAD_CLS = re.compile(r'^head\.decoder\.conv\.(weight|bias)$')


def paddleseg_head_key(name: str) -> Optional[str]:
    """Our ``decode_head.*`` name of a PaddleSeg ``DeepLabV3PHead`` parameter (``head.*``)."""
    if m := _HEAD_CLS.match(name):
        return f'decode_head.conv_seg.{m.group(1)}'
    m = _HEAD_CONV_BN.match(name)
    if m is None:
        return None
    module, separable, conv_leaf, bn_leaf = m.groups()
    module = _HEAD_MODULES.get(module, module[len('aspp.'):])  # aspp.aspp_blocks.K
    if separable is not None:
        module += '.pointwise_conv' if separable == 'piontwise_conv' else '.depthwise_conv'
    leaf = f'conv.{conv_leaf}' if conv_leaf else f'bn.{_BN_NAMES[bn_leaf]}'
    return f'decode_head.{module}.{leaf}'


def paddleseg_backbone_key(name: str) -> Optional[str]:
    """Our ``backbone.*`` name of a DeepLabV3P backbone parameter (``backbone.*``): PP-LCNet's
    or MobileNetV3's names, which do not overlap."""
    rest = name[len('backbone.'):] if name.startswith('backbone.') else None
    if rest is None:
        return None
    key = pplcnet_backbone_key(rest) or mobilenet_v3_backbone_key(rest)
    return None if key is None else f'backbone.{key}'


def convert_paddleseg_deeplabv3p(params: Mapping[str, Any], source: str = 'checkpoint'
                                 ) -> Tuple[StateDict, List[str]]:
    """Map a PaddleSeg ``DeepLabV3P`` state dict to ``EncoderDecoder`` keys.

    Returns the state dict and the dropped classifier names (``backbone.last_conv.*`` ...);
    any other name that is not a DeepLabV3P parameter raises :class:`ConversionError`.
    """
    out = OrderedDict()
    dropped, unknown = [], []
    for name, value in params.items():
        if name.startswith('StructuredToParameterName'):
            continue  # name table of old Paddle formats, not a weight
        key = paddleseg_backbone_key(name) or paddleseg_head_key(name)
        if key is not None:
            out[key] = paddle_tensor(name, value, source)
        elif name.startswith('backbone.') and name.split('.')[1] in CLASSIFIER_PARTS:
            dropped.append(name)
        else:
            unknown.append(name)
    if unknown:
        raise ConversionError(f'{source} is not a PaddleSeg DeepLabV3P checkpoint (PP-LCNet or '
                              f'MobileNetV3 backbone.*, DeepLabV3PHead head.*): {len(unknown)} '
                              f'unknown keys: {_short(unknown)}')
    return add_bn_counters(out), dropped


def describe_model(model: nn.Module) -> str:
    """``'PPLCNet-0.5x + PaddleSegDeepLabV3PlusHead (19 classes)'``."""
    backbone = model.backbone
    arch = getattr(backbone, 'arch', '')
    name = type(backbone).__name__ + (f'-{arch}' if arch else '')
    width = getattr(backbone, 'widen_factor', None)
    return (f'{name}{f"-{width}x" if width is not None else ""} + {HEAD_TYPE} '
            f'({model.decode_head.num_classes} classes)')


def paddleseg_checkpoint(src: str, config: str) -> Tuple[dict, str]:
    """The mmengine checkpoint (``state_dict`` + ``meta``) of ``src`` for ``config``'s model and
    a one-line summary; :class:`ConversionError` when it does not fit exactly."""
    state_dict, dropped = convert_paddleseg_deeplabv3p(load_paddle_params(src), source=src)
    cfg, model = load_target_config(config, 'decode_head', (HEAD_TYPE, ))
    return checkpoint_for_config(state_dict, model, cfg, src, config, describe_model(model),
                                 'paddleseg', DATASETS, 'mmseg', dropped, 'classifier')
