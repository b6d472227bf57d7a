"""Command-line plumbing shared by the table tools (ablation_table.py, survey_table.py): the
measurement options, their checks, and where the rendered table goes."""
import argparse
from typing import Any, Dict

from ..engine.atomic_save import atomic_write_bytes
from .markdown import update_markdown_section
from .report import write_json


def add_measurement_args(parser: argparse.ArgumentParser, section: str) -> None:
    """Engines, threads, warm-up, iterations, calibration images and the outputs."""
    parser.add_argument('--engines', nargs='+', default=['pytorch:fp32', 'openvino:fp32'],
                        help='ENGINE:PRECISION specs (default: %(default)s)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=30)
    parser.add_argument('--iters', type=int, default=200,
                        help='timed calls per engine, spread over --rounds (also --warmup)')
    parser.add_argument('--rounds', type=int, default=5,
                        help='interleaved rounds (engines take turns); the spread of the round '
                        'medians is reported')
    parser.add_argument('--calib-dir', help='real images (default: scikit-image photos)')
    parser.add_argument('--markdown', help='write the markdown to this file')
    parser.add_argument('--json', help='write the measurements as JSON')
    parser.add_argument('--doc', help=f'markdown file whose "{section}" section is rewritten '
                        '(e.g. docs/benchmarks.md)')


def check_measurement_args(args: argparse.Namespace) -> None:
    """A ValueError naming the options when the counts make no sense."""
    if args.threads < 1 or args.iters < 1 or args.warmup < 0 or args.rounds < 1:
        raise ValueError(f'need --threads >= 1, --iters >= 1, --warmup >= 0, --rounds >= 1, '
                         f'got {args.threads}, {args.iters}, {args.warmup}, {args.rounds}')


def write_outputs(text: str, measured: Dict[str, Any], args: argparse.Namespace,
                  section: str) -> None:
    """Markdown to stdout, and to --markdown, --json and the ``section`` of --doc if given."""
    print(text)
    if args.markdown:
        atomic_write_bytes((text + '\n').encode(), args.markdown)
    if args.json:
        write_json(measured, args.json)
    if args.doc:
        update_markdown_section(args.doc, section, text)
