"""The paper's ablation Tables 6 to 9: params, MACs and CPU latency of every ablation config
beside the paper's top-1 and latency.

Usage:
    python tools/analysis_tools/ablation_table.py [--tables table6 table7 table8 table9]
        [--engines pytorch:fp32 openvino:fp32 | --no-latency] [--threads 2] [--warmup 30]
        [--iters 200] [--calib-dir DIR] [--markdown OUT] [--json OUT] [--doc docs/benchmarks.md]

The configs are under configs/cls/ablations/ (see its README.md). Each distinct config is built
and measured once; the markdown goes to stdout (and to --markdown / the "ablations" section of
--doc).
"""
import argparse
import json
import os
import sys

from pplc_vision.benchmark.ablations import ABLATION_TABLES, measure_ablations, render_ablations
from pplc_vision.benchmark.tables import parse_engine_specs, update_markdown_section

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tables', nargs='+', default=list(ABLATION_TABLES),
                        choices=list(ABLATION_TABLES))
    parser.add_argument('--engines', nargs='+', default=['pytorch:fp32', 'openvino:fp32'],
                        help='ENGINE:PRECISION specs (default: %(default)s)')
    parser.add_argument('--no-latency', action='store_true',
                        help='params and MACs only (seconds instead of minutes)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=30)
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--calib-dir', help='real images (default: scikit-image photos)')
    parser.add_argument('--markdown', help='write the markdown tables to this file')
    parser.add_argument('--json', help='write the measurements as JSON')
    parser.add_argument('--doc', help='markdown file whose "ablations" section is rewritten '
                        '(e.g. docs/benchmarks.md)')
    return parser.parse_args(argv)


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        engines = [] if args.no_latency else parse_engine_specs(args.engines)
        if args.threads < 1 or args.iters < 1 or args.warmup < 0:
            raise ValueError(f'need --threads >= 1, --iters >= 1, --warmup >= 0, got '
                             f'{args.threads}, {args.iters}, {args.warmup}')
    except ValueError as e:
        print(f'ablation_table.py: error: {e}', file=sys.stderr)
        return 2
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    measured = measure_ablations(args.tables, engines, args.threads, args.warmup, args.iters,
                                 calib_dir=args.calib_dir, root=ROOT, log=log)
    text = render_ablations(measured)
    print(text)
    if args.markdown:
        _write(args.markdown, text + '\n')
    if args.json:
        _write(args.json, json.dumps(measured, indent=2) + '\n')
    if args.doc:
        update_markdown_section(args.doc, 'ablations', text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
