"""Command-line plumbing shared by the table tools (ablation_table.py, survey_table.py,
reproduce_tables.py): the measurement options, the settings they make, and where the rendered
table goes."""
import argparse
import sys
from typing import Any, Dict

from ..engine.atomic_save import atomic_write_bytes
from .markdown import update_markdown_section
from .report import write_json
from .settings import Settings


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


def log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def settings_from_args(args: argparse.Namespace, root: str) -> Settings:
    """The :class:`~.settings.Settings` of the measurement options (a ValueError naming them
    when the counts make no sense); progress goes to stderr."""
    return Settings(threads=args.threads, rounds=args.rounds, warmup=args.warmup,
                    iters=args.iters, calib_dir=args.calib_dir, root=root, log=log_to_stderr,
                    **{k: getattr(args, k) for k in ('calib_images', 'drift_images')
                       if getattr(args, k, None) is not None})


def write_outputs(text: str, measured: Dict[str, Any], args: argparse.Namespace,
                  section: str, command: str) -> None:
    """Markdown to stdout, and to --markdown, --json and the ``section`` of --doc if given; the
    ``command`` that measured it closes the markdown and is kept in the JSON."""
    measured['command'] = command
    text += f'\n\nCommand:\n\n    {command}'
    print(text)
    if args.markdown:
        atomic_write_bytes((text + '\n').encode(), args.markdown)
    if args.json:
        write_json(measured, args.json)
    if args.doc:
        update_markdown_section(args.doc, section, text)
