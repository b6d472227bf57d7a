"""Params and MACs of the 8 PP-LCNet classification configs next to the paper's Table 2.

    python tools/analysis_tools/params_table.py [--strict]
"""
import argparse
import os
import sys

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.benchmark.markdown import render_complexity
from pplc_vision.benchmark.table_build import MACS_TOLERANCE, complexity_rows

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--strict', action='store_true',
                        help=f'exit 1 when a row misses the paper (params 0.1 M, MACs '
                        f'{100 * MACS_TOLERANCE:g}%%)')
    args = parser.parse_args()
    rows = complexity_rows(root=ROOT)
    print(render_complexity(rows))
    if args.strict and not all(r.matches for r in rows):
        sys.exit('error: some rows do not match Table 2: '
                 + ', '.join(r.name for r in rows if not r.matches))


if __name__ == '__main__':
    main()
