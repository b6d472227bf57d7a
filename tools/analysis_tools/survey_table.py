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
import os
import sys

from pplc_vision.benchmark.survey import (SURVEY_MODELS, measure_survey, render_survey,
                                          select_models)
from pplc_vision.benchmark.table_build import parse_engine_specs
from pplc_vision.benchmark.table_cli import (add_measurement_args, settings_from_args,
                                             write_outputs)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', metavar='NAME',
                        help='only these (default: all of ' +
                        ', '.join(m.name for m in SURVEY_MODELS) + ')')
    add_measurement_args(parser, 'survey')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        engines = parse_engine_specs(args.engines)
        models = select_models(args.models)
        settings = settings_from_args(args, ROOT)
    except ValueError as e:
        print(f'survey_table.py: error: {e}', file=sys.stderr)
        return 2
    measured = measure_survey(models, engines, settings)
    text = render_survey(measured)
    command = ' '.join(['python', 'tools/analysis_tools/survey_table.py',
                        *(argv if argv is not None else sys.argv[1:])])
    write_outputs(text, measured, args, 'survey', command)
    return 0


if __name__ == '__main__':
    sys.exit(main())
