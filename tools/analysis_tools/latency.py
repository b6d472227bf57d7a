"""CPU latency of a config's network on one engine and precision (batch 1 by default).

Usage:
    python tools/analysis_tools/latency.py CONFIG [--checkpoint CKPT] [--shape H W] [--threads N]
        [--engine pytorch|onnxruntime|openvino|auto] [--precision fp32|bf16|int8] [--batch 1]
        [--warmup 50] [--iters 300] [--rounds 5] [--json OUT] [--drift-data photos|config]

Prints median, p90, p99, min and max latency and the spread across interleaved rounds, with the
precision, the thread count, the machine (CPU, cores, clock, ISA flags, and the fp32/bf16 GEMM
roofline measured in the same run: the network's achieved GMAC/s and fraction of it) and the
output drift against eager PyTorch fp32 on real images; --json writes all of it (library
versions included). Detection and segmentation configs are also timed end to end.
``--engine auto`` races the engines that run the precision here for a second or two first and
times the fastest; the choice and its margin over the runner-up are printed.
"""
import argparse
import sys

from pplc_vision.apis import ONE_LINE_ERRORS, ToolError
from pplc_vision.benchmark.config_latency import DRIFT_DATA, benchmark_config
from pplc_vision.benchmark.report import format_result, write_json
from pplc_vision.benchmark.settings import Settings
from pplc_vision.deploy.engines import AUTO, ENGINES, PRECISIONS


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--checkpoint', help='mmengine checkpoint of this config (default: '
                        'random weights with BN statistics estimated on real images)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), default=(224, 224),
                        help='input height and width (default 224 224)')
    parser.add_argument('--threads', type=int, default=2, help='CPU threads (default 2)')
    parser.add_argument('--engine', choices=ENGINES + (AUTO, ), default='pytorch',
                        help='auto: race the engines that run --precision here briefly and '
                        'time the fastest (default pytorch)')
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=50, help='untimed runs first (default 50)')
    parser.add_argument('--iters', type=int, default=300,
                        help='timed runs, spread over --rounds (default 300; also --warmup)')
    parser.add_argument('--rounds', type=int, default=5,
                        help='interleaved rounds: the network and the end-to-end parts take '
                        'turns; the spread of the round medians is reported (default 5)')
    parser.add_argument('--json', metavar='OUT', help='write the full result as JSON')
    parser.add_argument('--no-fuse', action='store_true',
                        help='eager PyTorch as built: BatchNorms not folded, no oneDNN '
                        'conv+activation fusion (the baseline)')
    parser.add_argument('--calib-dir', help='folder of real images for BN statistics, int8 '
                        'calibration and drift (default: scikit-image photos)')
    parser.add_argument('--drift-images', type=int, default=32,
                        help='real images on which drift vs. fp32 is measured')
    parser.add_argument('--drift-data', choices=DRIFT_DATA, default='photos',
                        help="photos: random crops of --calib-dir (default); config: the "
                        "config's test dataset for drift (and top-1 accuracy), its train "
                        "dataset for int8 calibration")
    parser.add_argument('--calib-images', type=int, default=64,
                        help='images for BN statistics and int8 calibration (default 64)')
    parser.add_argument('--network-only', action='store_true',
                        help='detection/segmentation: skip the end-to-end timing')
    parser.add_argument('--workdir', help='keep the exported ONNX files here')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings(threads=args.threads, rounds=args.rounds, warmup=args.warmup,
                            iters=args.iters, precision=args.precision,
                            calib_images=args.calib_images, calib_dir=args.calib_dir,
                            drift_images=args.drift_images)
        report = benchmark_config(
            args.config, settings, args.checkpoint, args.shape, args.engine, args.batch,
            fuse=not args.no_fuse, drift_data=args.drift_data,
            end_to_end=not args.network_only, workdir=args.workdir)
    except (ToolError, ValueError, FileNotFoundError, ImportError, KeyError,
            *ONE_LINE_ERRORS) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f'latency.py: error: {message}', file=sys.stderr)
        return 2
    print(format_result(report))
    if args.json:
        write_json(report, args.json)
        print(f'wrote {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
