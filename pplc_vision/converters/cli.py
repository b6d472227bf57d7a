"""The command line shared by ``tools/model_converters/{paddle,timm}2pplcnet.py``."""
import argparse
import sys
from typing import Callable, Dict, List, Mapping, Optional

from .checkpoint import (ConversionError, StateDict, block_names, match_scale,
                         save_checkpoint_atomic, select_backbone)
from .paddle import convert_paddle_pplcnet, load_paddle_params
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


def main(fmt: str, argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=DESCRIPTIONS[fmt])
    parser.add_argument('src', help='source checkpoint')
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    parser.add_argument('--scale', type=float, default=None,
                        help='PP-LCNet scale the checkpoint must have (default: infer it)')
    parser.add_argument('--backbone-only', action='store_true',
                        help="keep only backbone.* weights, for init_cfg=dict(type='Pretrained', "
                        "prefix='backbone.', checkpoint=DST) in detection/segmentation configs")
    if fmt == 'paddle':
        parser.add_argument('--dropout-rate', type=float, default=0.2,
                            help='dropout of the Paddle classifier, folded into fc (default 0.2)')
    args = parser.parse_args(argv)
    try:
        state_dict = CONVERTERS[fmt](args)
        layout = classifier_layout(state_dict, args.src)
        scale = match_scale(state_dict, args.scale, args.src, **layout)
    except ConversionError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if args.backbone_only:
        state_dict = select_backbone(state_dict)
    meta = dict(converted_from=fmt, source=args.src, scale=scale,
                backbone_only=args.backbone_only, **layout)
    save_checkpoint_atomic(dict(meta=meta, state_dict=state_dict), args.dst)
    print(f'wrote {args.dst}: PP-LCNet-{scale}x, {len(state_dict)} tensors, '
          f'{layout["num_classes"]} classes{" (backbone only)" if args.backbone_only else ""}')
    return 0
