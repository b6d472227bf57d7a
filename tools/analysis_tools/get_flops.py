"""Params and MACs of a config's model, no dataset needed.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H W | --shape S] [--cfg-options ...]
"""
import argparse
import sys

from mmengine.config import DictAction

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.apis import ToolError, build_model_from_config, load_config
from pplc_vision.benchmark import measure_complexity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input size: H W, or S for S x S (default 224)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE')
    args = parser.parse_args()
    if len(args.shape) not in (1, 2) or min(args.shape) <= 0:
        sys.exit(f'error: --shape takes H W or S (positive), got {args.shape}')
    h, w = args.shape * 2 if len(args.shape) == 1 else args.shape
    try:
        cfg = load_config(args.config, args.cfg_options)
    except ToolError as e:
        sys.exit(f'error: {e}')
    result = measure_complexity(build_model_from_config(cfg), (3, h, w))
    print(f'config: {args.config}\ninput shape: {result.input_shape}\n'
          f'params: {result.params_m:.3f} M\n'
          f'MACs: {result.macs_m:.2f} M ({result.macs / 1e9:.3f} G)')


if __name__ == '__main__':
    main()
