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
import os
import sys

from pplc_vision.benchmark.ablations import ABLATION_TABLES, measure_ablations, render_ablations
from pplc_vision.benchmark.table_build import parse_engine_specs
from pplc_vision.benchmark.table_cli import (add_measurement_args, settings_from_args,
                                             write_outputs)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tables', nargs='+', default=list(ABLATION_TABLES),
                        choices=list(ABLATION_TABLES))
    parser.add_argument('--no-latency', action='store_true',
                        help='params and MACs only (seconds instead of minutes)')
    add_measurement_args(parser, 'ablations')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        engines = [] if args.no_latency else parse_engine_specs(args.engines)
        settings = settings_from_args(args, ROOT)
    except ValueError as e:
        print(f'ablation_table.py: error: {e}', file=sys.stderr)
        return 2
    measured = measure_ablations(args.tables, engines, settings)
    text = render_ablations(measured)
    command = ' '.join(['python', 'tools/analysis_tools/ablation_table.py',
                        *(argv if argv is not None else sys.argv[1:])])
    write_outputs(text, measured, args, 'ablations', command)
    return 0


if __name__ == '__main__':
    sys.exit(main())
