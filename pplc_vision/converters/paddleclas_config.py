"""A PaddleClas ``PPLCNet`` checkpoint converted for a config's classifier (the PULC models of
``configs/cls/pulc/``), checked against the model that config builds."""
from typing import Tuple

from mmpretrain.registry import DATASETS
from torch import nn

from ..models.backbones.pplcnet import DEFAULT_STRIDES
from .checkpoint import ConversionError, StateDict
from .paddle import convert_paddle_pplcnet, load_paddle_params
from .target import checkpoint_for_config, load_target_config

#: the classification heads a PaddleClas PP-LCNet checkpoint converts into
CLASSIFIER_HEADS = ('PPLCNetClsHead', 'PPLCNetMultiLabelClsHead')


def describe_classifier(model: nn.Module) -> str:
    """``'PPLCNet-1.0x, stride_list [2, (2, 1), ...] + PPLCNetClsHead (2 classes)'``."""
    backbone, head = model.backbone, model.head
    strides = getattr(backbone, 'stride_list', None)
    return (f'{type(backbone).__name__}-{getattr(backbone, "widen_factor", "?")}x'
            f'{f", stride_list {strides}" if strides and strides != list(DEFAULT_STRIDES) else ""}'
            f' + {type(head).__name__} ({head.num_classes} classes'
            f'{"" if getattr(head, "use_last_conv", True) else ", no last conv"})')


def _check_head(state_dict: StateDict, head: nn.Module, src: str, config: str) -> None:
    """The head's class count and last conv, named in one line when they differ (the usual
    sign of another task's checkpoint)."""
    classes = int(state_dict['head.fc.weight'].shape[0]) if 'head.fc.weight' in state_dict \
        else None
    if classes is not None and classes != head.num_classes:
        raise ConversionError(f'{src} has {classes} classes (fc), config {config} has '
                              f'{head.num_classes} (model.head.num_classes): a checkpoint of '
                              'another task?')
    last_conv = 'head.last_conv.weight' in state_dict
    if last_conv != bool(head.use_last_conv):
        raise ConversionError(
            f'{src} {"has" if last_conv else "has no"} last 1x1 conv (last_conv.weight), '
            f'config {config} builds the head with use_last_conv={bool(head.use_last_conv)}: '
            'a checkpoint of another task?')


def paddleclas_checkpoint(src: str, config: str) -> Tuple[dict, str]:
    """The mmengine checkpoint (``state_dict`` + ``meta`` with the config's classes) of a
    PaddleClas ``PPLCNet`` checkpoint for ``config``'s classifier (e.g. a PULC model), and a
    one-line summary; :class:`ConversionError` when it does not fit exactly.

    A ``.pdparams`` holds weights only: class count, last conv, width and block layout are
    checked from their shapes; the strides (``stride_list``) leave no trace in them and are the
    config's.
    """
    cfg, model = load_target_config(config, 'head', CLASSIFIER_HEADS)
    head = model.head
    dropout = head.dropout.p if head.dropout is not None else 0.0
    state_dict = convert_paddle_pplcnet(load_paddle_params(src), dropout_rate=dropout, source=src)
    _check_head(state_dict, head, src, config)
    return checkpoint_for_config(state_dict, model, cfg, src, config, describe_classifier(model),
                                 'paddleclas', DATASETS, 'mmpretrain', [], '')
