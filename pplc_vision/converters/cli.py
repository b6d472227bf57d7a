"""The command lines of ``tools/model_converters/{paddle,timm}2pplcnet.py`` and
``paddle2mobilenetv3.py``: read, convert, check against the target model, save atomically."""
import argparse
import sys
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from .checkpoint import (ConversionError, StateDict, block_names, match_scale,
                         save_checkpoint_atomic, select_backbone)
from .paddle import convert_paddle_pplcnet, load_paddle_params
from .paddleclas_config import paddleclas_checkpoint
from .paddle_mobilenet_v3 import (MOBILENET_V3_ARCHS, convert_paddle_mobilenet_v3,
                                  match_arch_width, model_name, select_feature_backbone)
from .timm import convert_timm_lcnet, load_torch_state_dict


def _paddle(args: argparse.Namespace) -> StateDict:
    params = load_paddle_params(args.src)
    return convert_paddle_pplcnet(params, dropout_rate=args.dropout_rate, source=args.src)


def _timm(args: argparse.Namespace) -> StateDict:
    return convert_timm_lcnet(load_torch_state_dict(args.src), source=args.src)


CONVERTERS: Dict[str, Callable[[argparse.Namespace], StateDict]] = {
    'paddle': _paddle, 'timm': _timm}
DESCRIPTIONS = {
    'paddle': 'Convert a PaddleClas PP-LCNet checkpoint (.pdparams) to an mmengine checkpoint.',
    'timm': 'Convert a timm lcnet_* state dict (.pth/.safetensors) to an mmengine checkpoint.',
}


def classifier_layout(state_dict: Mapping, source: str) -> dict:
    """Head and ablation settings that a converted state dict implies."""
    if 'head.fc.weight' not in state_dict:
        raise ConversionError(f'{source} has no classifier weights (fc / classifier)')
    dw = {b: state_dict.get(f'backbone.{b}.dw_conv.conv.weight') for b in block_names()}
    missing = [f'{b}.dw_conv' for b, w in dw.items() if w is None]
    if missing:
        raise ConversionError(f'{source} lacks blocks of PP-LCNet: {", ".join(missing[:4])}')
    return dict(
        num_classes=int(state_dict['head.fc.weight'].shape[0]),
        use_last_conv='head.last_conv.weight' in state_dict,
        last_conv_bias='head.last_conv.bias' in state_dict,
        se_blocks=[f'backbone.{b}.se.conv1.conv.weight' in state_dict for b in block_names()],
        large_kernel_blocks=[w.shape[-1] == 5 for w in dw.values()])


def _parser(description: str, backbone_help: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='source checkpoint')
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    parser.add_argument('--backbone-only', action='store_true', help=backbone_help)
    return parser


def _add_dropout_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--dropout-rate', type=float, default=0.2,
                        help='dropout of the Paddle classifier, folded into fc (default 0.2)')


def _error(message: object) -> int:
    """Print the one-line error; the exit status of a bad input."""
    print(f'error: {message}', file=sys.stderr)
    return 2


def _save(state_dict: StateDict, meta: dict, dst: str, what: str) -> int:
    """Save the converted checkpoint and print the one-line summary."""
    try:
        save_checkpoint_atomic(dict(meta=meta, state_dict=state_dict), dst)
    except OSError as e:
        return _error(f'cannot write {dst}: {e.strerror or e}')
    print(f'wrote {dst}: {what}, {len(state_dict)} tensors, {meta["num_classes"]} classes'
          f'{" (backbone only)" if meta["backbone_only"] else ""}')
    return 0


def main(fmt: str, argv: Optional[List[str]] = None) -> int:
    """``{paddle,timm}2pplcnet.py``: a PP-LCNet classifier checkpoint to an mmengine one."""
    parser = _parser(DESCRIPTIONS[fmt],
                     "keep only backbone.* weights, for init_cfg=dict(type='Pretrained', "
                     "prefix='backbone.', checkpoint=DST) in detection/segmentation configs")
    parser.add_argument('--scale', type=float, default=None,
                        help='PP-LCNet scale the checkpoint must have (default: infer it)')
    if fmt == 'paddle':
        _add_dropout_arg(parser)
        parser.add_argument(
            '--config', default=None,
            help="the classifier config the checkpoint is for (e.g. configs/cls/pulc/*.py): the "
            "checkpoint is checked against that config's model (class count, last conv, shapes) "
            "and carries its class names; --scale, --dropout-rate and --backbone-only do not "
            "apply")
    args = parser.parse_args(argv)
    if getattr(args, 'config', None):
        given = [f'--{k.replace("_", "-")}' for k, default in
                 (('scale', None), ('dropout_rate', 0.2), ('backbone_only', False))
                 if getattr(args, k) != default]
        if given:
            return _error(f'{", ".join(given)}: not with --config (the config sets them)')
        return _save_for_config(paddleclas_checkpoint, args.src, args.config, args.dst)
    try:
        state_dict = CONVERTERS[fmt](args)
        layout = classifier_layout(state_dict, args.src)
        scale = match_scale(state_dict, args.scale, args.src, **layout)
    except ConversionError as e:
        return _error(e)
    if args.backbone_only:
        state_dict = select_backbone(state_dict)
    meta = dict(converted_from=fmt, source=args.src, scale=scale,
                backbone_only=args.backbone_only, **layout)
    return _save(state_dict, meta, args.dst, f'PP-LCNet-{scale}x')


def main_mobilenet_v3(argv: Optional[List[str]] = None) -> int:
    """``paddle2mobilenetv3.py``: a PaddleClas MobileNetV3 checkpoint to an mmengine one."""
    parser = _parser(
        'Convert a PaddleClas MobileNetV3 checkpoint (.pdparams) to an mmengine checkpoint.',
        "keep only the feature backbone's weights (backbone.*, without last_second_conv), for "
        "init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=DST) of "
        "PaddleMobileNetV3 in detection/segmentation configs")
    parser.add_argument('--arch', choices=MOBILENET_V3_ARCHS, default=None,
                        help='arch the checkpoint must have (default: infer it)')
    parser.add_argument('--widen-factor', type=float, default=None,
                        help='width the checkpoint must have (default: infer it among '
                        "PaddleClas' 0.35, 0.5, 0.75, 1.0, 1.25)")
    _add_dropout_arg(parser)
    args = parser.parse_args(argv)
    try:
        params = load_paddle_params(args.src)
        state_dict = convert_paddle_mobilenet_v3(params, args.dropout_rate, source=args.src)
        arch, width = match_arch_width(state_dict, args.arch, args.widen_factor, args.src)
    except ConversionError as e:
        return _error(e)
    num_classes = int(state_dict['head.fc.weight'].shape[0])
    if args.backbone_only:
        state_dict = select_feature_backbone(state_dict)
    meta = dict(converted_from='paddle', source=args.src, arch=arch, widen_factor=width,
                num_classes=num_classes, backbone_only=args.backbone_only,
                dropout_rate=args.dropout_rate)
    return _save(state_dict, meta, args.dst, model_name(arch, width))


def _save_for_config(make_checkpoint: Callable[[str, str], Tuple[dict, str]], src: str,
                     config: str, dst: str) -> int:
    """Convert ``src`` for ``config``, save to ``dst`` and print the summary line."""
    try:
        checkpoint, summary = make_checkpoint(src, config)
    except ConversionError as e:
        return _error(e)
    try:
        save_checkpoint_atomic(checkpoint, dst)
    except OSError as e:
        return _error(f'cannot write {dst}: {e.strerror or e}')
    print(f'wrote {dst}: {summary}')
    return 0


def main_for_config(description: str, src_help: str,
                    make_checkpoint: Callable[[str, str], Tuple[dict, str]],
                    argv: Optional[List[str]] = None) -> int:
    """``SRC DST --config CONFIG`` converters of whole models (``paddleseg2mmseg.py``,
    ``paddledet2mmdet.py``): ``make_checkpoint(src, config)`` gives the checkpoint checked
    against the config's model and a summary line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help=src_help)
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    parser.add_argument('--config', required=True,
                        help='config whose model the checkpoint must fit exactly')
    args = parser.parse_args(argv)
    return _save_for_config(make_checkpoint, args.src, args.config, args.dst)
