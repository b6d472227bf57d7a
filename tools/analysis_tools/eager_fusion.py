"""CPU conv+activation fusion in PyTorch: eager against torch's public fusion paths, one run.

Usage:
    python tools/analysis_tools/eager_fusion.py [CONFIG] [--shape H W] [--threads N]
        [--warmup 20] [--iters 200] [--paths eager jit compile] [--out FILE.md]

Builds CONFIG's network (default: PP-LCNet-1x) with random weights whose BatchNorm statistics
come from real images (or --checkpoint), folds its BatchNorms, and times, batch 1 and fp32 on
the same input and threads: eager, ``torch.jit`` freeze + optimize_for_inference (what
PyTorchEngine runs in fp32), and ``torch.compile``. Prints a markdown table
(median, p90, spread, speed-up against eager) with the machine and the command.
"""
import argparse
import shlex
import sys

import torch

from pplc_vision.apis import ONE_LINE_ERRORS, ToolError, build_model_from_config, load_config
from pplc_vision.converters.checkpoint_fit import load_checkpoint_strict
from pplc_vision.benchmark.eager_fusion import EAGER_PATHS, compare_eager_fusion, \
    render_eager_fusion
from pplc_vision.benchmark.machine import environment, environment_line
from pplc_vision.deploy.calibration import (load_images, preprocessor_mean_std, random_crops,
                                            recalibrate_batchnorm)
from pplc_vision.deploy.engines import as_tensor_module
from pplc_vision.engine.atomic_save import atomic_write_bytes

DEFAULT_CONFIG = 'configs/cls/pplcnet_1x_in1k.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help=f'config file (default {DEFAULT_CONFIG})')
    parser.add_argument('--checkpoint', help='mmengine checkpoint of this config (default: '
                        'random weights with BN statistics estimated on real images)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), default=(224, 224),
                        help='input height and width (default 224 224)')
    parser.add_argument('--threads', type=int, default=2, help='CPU threads (default 2)')
    parser.add_argument('--warmup', type=int, default=20, help='untimed runs first (default 20)')
    parser.add_argument('--iters', type=int, default=200, help='timed runs (default 200)')
    parser.add_argument('--paths', nargs='+', choices=EAGER_PATHS, default=list(EAGER_PATHS),
                        help='paths to time (default: all)')
    parser.add_argument('--out', help='also write the markdown section to this file')
    return parser.parse_args(argv)


def build_network(config: str, checkpoint, shape) -> tuple:
    """The config's tensor-in network (eval mode) and one real normalised (1, 3, H, W) crop."""
    model = build_model_from_config(load_config(config))
    network = as_tensor_module(model).eval()
    images = load_images()
    mean, std = preprocessor_mean_std(model)
    crops = random_crops(images, 33, tuple(shape), mean, std, seed=0)
    if checkpoint:
        load_checkpoint_strict(model, checkpoint, config)
    else:
        recalibrate_batchnorm(network, [torch.from_numpy(crops[i:i + 16]) for i in (0, 16)])
    network.eval()
    return network, torch.from_numpy(crops[32:33])


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.threads < 1 or args.iters < 1 or args.warmup < 0:
            raise ValueError(f'need --threads >= 1, --iters >= 1, --warmup >= 0, got '
                             f'{args.threads}, {args.iters}, {args.warmup}')
        torch.set_num_threads(args.threads)
        network, example = build_network(args.config, args.checkpoint, args.shape)
        results = compare_eager_fusion(network, example, args.paths, args.warmup, args.iters)
    except (ToolError, ValueError, FileNotFoundError, ImportError, *ONE_LINE_ERRORS) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f'eager_fusion.py: error: {message}', file=sys.stderr)
        return 2
    command = shlex.join(['python', 'tools/analysis_tools/eager_fusion.py',
                          *(sys.argv[1:] if argv is None else argv)])
    title = (f'Eager conv+activation fusion: {args.config} at {args.shape[0]}x{args.shape[1]}')
    text = render_eager_fusion(results, title, environment_line(environment(), args.threads),
                               command)
    print(text)
    if args.out:
        atomic_write_bytes((text + '\n').encode(), args.out)
        print(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
