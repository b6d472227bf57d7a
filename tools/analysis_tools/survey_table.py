"""The seed survey's light CNNs (PP-LCNet, MobileOne, MobileNetV1-V3, ShuffleNetV1/V2, SqueezeNet,
GhostNet) on one table: params, MACs and CPU latency measured in one run, top-1 as reported.

Usage:
    python tools/analysis_tools/survey_table.py [--models NAME ...] [--engines pytorch:fp32
        openvino:fp32] [--threads 2] [--warmup 30] [--iters 200] [--calib-dir DIR]
        [--markdown OUT] [--json OUT] [--doc docs/benchmarks.md]

Networks come from this repository's configs, mmpretrain, torchvision and timm with random
weights (nothing is downloaded); MobileOne is timed in its deploy (re-parameterised) form. The
markdown goes to stdout (and to --markdown / the "survey" section of --doc).
"""
import argparse
import json
import os
import sys

from pplc_vision.benchmark.survey import (SURVEY_MODELS, measure_survey, render_survey,
                                          select_models)
from pplc_vision.benchmark.tables import parse_engine_specs, update_markdown_section

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', metavar='NAME',
                        help='only these (default: all of ' +
                        ', '.join(m.name for m in SURVEY_MODELS) + ')')
    parser.add_argument('--engines', nargs='+', default=['pytorch:fp32', 'openvino:fp32'],
                        help='ENGINE:PRECISION specs (default: %(default)s)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=30)
    parser.add_argument('--iters', type=int, default=200)
    parser.add_argument('--calib-dir', help='real images (default: scikit-image photos)')
    parser.add_argument('--markdown', help='write the markdown table to this file')
    parser.add_argument('--json', help='write the measurements as JSON')
    parser.add_argument('--doc', help='markdown file whose "survey" section is rewritten '
                        '(e.g. docs/benchmarks.md)')
    return parser.parse_args(argv)


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        engines = parse_engine_specs(args.engines)
        models = select_models(args.models)
        if args.threads < 1 or args.iters < 1 or args.warmup < 0:
            raise ValueError(f'need --threads >= 1, --iters >= 1, --warmup >= 0, got '
                             f'{args.threads}, {args.iters}, {args.warmup}')
    except ValueError as e:
        print(f'survey_table.py: error: {e}', file=sys.stderr)
        return 2
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    measured = measure_survey(models, engines, args.threads, args.warmup, args.iters,
                              calib_dir=args.calib_dir, root=ROOT, log=log)
    text = render_survey(measured)
    print(text)
    if args.markdown:
        _write(args.markdown, text + '\n')
    if args.json:
        _write(args.json, json.dumps(measured, indent=2) + '\n')
    if args.doc:
        update_markdown_section(args.doc, 'survey', text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
