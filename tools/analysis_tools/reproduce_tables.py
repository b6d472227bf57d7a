"""Reproduce the latency columns of the paper's Tables 2 to 5 (and the Paddle Inference
comparison) on this machine, and write them into docs/benchmarks.md.

Usage:
    python tools/analysis_tools/reproduce_tables.py [--tables paddle paddleseg paddledet
        paddledet-v2 table2 table3 table4 picodet table5]
        [--engines pytorch:fp32 openvino:fp32 openvino:bf16 openvino:int8] [--threads 2]
        [--warmup 30] [--iters 200] [--rounds 5] [--max-rounds 15] [--calib-images 32]
        [--seg-calib-images 8] [--drift-images 8] [--doc docs/benchmarks.md] [--json OUT]

Each table's rows are measured in one run (params, MACs, latency per engine and precision) and
printed beside the paper's values and latency ratios. "picodet" times Table 4's PicoDet
PP-LCNet-1x beside PaddleDetection's CSP-PAN PicoDet-LCNet (1x, 1.5x at 416) and PicoDet v2
(XS/S/M/L at 320 and 416), each row at its own input size, beside the authors' published mAP
and latency (v2: PaddleDetection's Core i7 column).
"paddle" times PaddleClas' PPLCNet_x1_0
on Paddle Inference + oneDNN against our engines with the same weights, "paddleseg" PaddleSeg's
DeepLabV3P (PP-LCNet-1x, MobileNetV3-large-0.75x) at 1024x2048 likewise, "paddledet"
PaddleDetection's deployed PicoDet-LCNet-1.5x end to end (image file in, boxes out) on Paddle
Inference against ours on --det-engines, in interleaved rounds, "paddledet-v2" PicoDet v2 S at
416 likewise (picodet_s_416_coco_lcnet into configs/det/picodet-v2_s_416_coco.py; the paddledet
options serve both) (each skipped with a message when paddlepaddle, paddleclas, paddleseg or
paddledet is not installed). "overhead" (run only when
named) times the deployed predictor, image to result, against the network alone.

With --figure, the same run's Tables 2 and 3 draw the paper's accuracy-latency figure (published
top-1 against the latency measured here, one engine and precision: --figure-engine) as a PNG,
its caption (machine, engine, precision, threads) in the PNG and, with --doc, under the image in
the doc's "figure" section:
    python tools/analysis_tools/reproduce_tables.py --tables table2 table3 \
        --doc docs/benchmarks.md --figure docs/figures/accuracy_latency.png
With --figure-from-doc, nothing is timed: the figure is drawn from the table2/table3 sections
the doc already holds (one run's, its machine line in the caption):
    python tools/analysis_tools/reproduce_tables.py --figure-from-doc \
        --figure-engine openvino:fp32 --doc docs/benchmarks.md \
        --figure docs/figures/accuracy_latency.png
"""
import argparse
import os
import sys

try:  # Paddle must be imported before torch: the other order slows Paddle Inference ~100x
    import paddle  # noqa: F401
except ImportError:
    pass

from pplc_vision.benchmark.figure import (CLASSIFICATION_TABLES, draw_accuracy_latency,
                                          tables_from_doc)
from pplc_vision.benchmark.markdown import (render_overhead, render_paddle, render_paddledet,
                                            render_paddleseg, render_table,
                                            update_markdown_section)
from pplc_vision.benchmark.paddle_compare import paddle_comparison
from pplc_vision.benchmark.paddle_race import MAX_ROUNDS
from pplc_vision.benchmark.paddledet_compare import (IMAGES, RACE_MODELS,
                                                     paddledet_comparison)
from pplc_vision.benchmark.paddleseg_compare import paddleseg_comparison
from pplc_vision.benchmark.paper_data import TABLES
from pplc_vision.benchmark.predictor_overhead import MODELS, predictor_overhead
from pplc_vision.benchmark.report import write_json
from pplc_vision.benchmark.settings import Settings
from pplc_vision.benchmark.table_build import measure_table, parse_engine_specs
from pplc_vision.benchmark.table_cli import log_to_stderr
from pplc_vision.deploy.engines import EngineNotInstalled

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
THROUGHPUT_TABLES = ('table2', 'table4')  # the classifiers and detector
SLOW_TABLES = ('table5', )  # 1024x2048 segmenters: about a second per run
DEFAULT_ENGINES = ('pytorch:fp32', 'onnxruntime:fp32', 'openvino:fp32', 'openvino:bf16',
                   'openvino:int8')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tables', nargs='+',
                        default=['paddle', 'paddleseg', 'paddledet', 'paddledet-v2', 'table2',
                                 'table3', 'table4', 'picodet', 'table5'],
                        choices=sorted(TABLES) + ['paddle', 'paddleseg', 'overhead',
                                                  *RACE_MODELS],
                        help='overhead (the deployed predictor against the network alone, '
                        'about 5 minutes) runs only when named')
    parser.add_argument('--engines', nargs='+', default=list(DEFAULT_ENGINES),
                        help='ENGINE:PRECISION specs (default: %(default)s)')
    parser.add_argument('--rows', nargs='+', help='only these row names')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=30)
    parser.add_argument('--iters', type=int, default=200,
                        help='timed calls per engine, spread over --rounds (also --warmup)')
    parser.add_argument('--rounds', type=int, default=5,
                        help='tables, paddle and paddleseg: interleaved rounds (every engine '
                        'of a row timed in each round), whose spread is reported beside each '
                        'median')
    parser.add_argument('--max-rounds', type=int, default=MAX_ROUNDS,
                        help="paddle and paddleseg: one more round at a time while a Paddle "
                        "baseline's round medians spread (p10-p90) past 20%% of their median, "
                        "up to this many rounds in all, before its speed-ups are also given "
                        "as a range (default %(default)s; --rounds or less: none added)")
    parser.add_argument('--throughput-batch', type=int, default=8,
                        help='table2 and table4: also images/s at this batch on all usable '
                        'CPUs (0: batch 1 only)')
    parser.add_argument('--seg-warmup', type=int, default=3, help='Table 5 warm-up runs')
    parser.add_argument('--seg-iters', type=int, default=20, help='Table 5 timed runs')
    parser.add_argument('--seg-calib-images', type=int, default=8,
                        help='Table 5 calibration crops (NNCF bias correction at 1024x2048 '
                        'takes about 10 s per image)')
    parser.add_argument('--paddleseg-shape', type=int, nargs=2, default=[1024, 2048],
                        metavar=('H', 'W'), help='input of the paddleseg comparison')
    parser.add_argument('--det-engines', nargs='+',
                        default=['openvino:fp32', 'openvino:bf16', 'openvino:int8'],
                        help='paddledet: our ENGINE:PRECISION specs (int8: the network alone; '
                        'default: %(default)s)')
    parser.add_argument('--paddle-precisions', nargs='+', default=['fp32', 'bf16'],
                        choices=['fp32', 'bf16'], help='paddledet: Paddle Inference precisions '
                        '(the first is the reference)')
    parser.add_argument('--det-images', nargs='+', default=list(IMAGES),
                        help='paddledet: the timed image files (default: %(default)s)')
    parser.add_argument('--det-rounds', type=int, default=10,
                        help='paddledet: interleaved rounds')
    parser.add_argument('--det-warmup', type=int, default=2,
                        help='paddledet: untimed calls per engine per round')
    parser.add_argument('--det-iters', type=int, default=3,
                        help='paddledet: timed calls per image per engine per round')
    parser.add_argument('--det-calib-images', type=int, default=8,
                        help='paddledet: int8 calibration crops (NNCF bias correction at 416x416 '
                        'takes about 25 s for 4)')
    parser.add_argument('--overhead-rounds', type=int, default=5,
                        help='overhead: interleaved rounds')
    parser.add_argument('--overhead-warmup', type=int, default=2,
                        help='overhead: untimed calls per contender per round')
    parser.add_argument('--overhead-iters', type=int, default=20,
                        help='overhead: timed calls per contender per round (detection)')
    parser.add_argument('--overhead-seg-iters', type=int, default=2,
                        help='overhead: timed calls per contender per round (segmentation, '
                        'about a second each)')
    parser.add_argument('--overhead-candidates', type=int, default=1000,
                        help='overhead: (prior, class) scores of the photo above the '
                        "detector's score threshold (its class biases are shifted to give them)")
    parser.add_argument('--calib-dir', help='real images (default: scikit-image photos)')
    parser.add_argument('--calib-images', type=int, default=32,
                        help='real-image crops for BN statistics and int8 calibration')
    parser.add_argument('--drift-images', type=int, default=8,
                        help='real-image crops on which drift vs. PyTorch fp32 is measured')
    parser.add_argument('--doc', help='markdown file whose sections are rewritten '
                        '(e.g. docs/benchmarks.md); nothing is written without it')
    parser.add_argument('--json', help='write all measurements as JSON')
    parser.add_argument('--figure', metavar='PNG',
                        help='draw the accuracy-latency figure from this run\'s table2/table3')
    parser.add_argument('--figure-from-doc', action='store_true',
                        help='draw --figure from the table2/table3 sections already in --doc '
                        '(no timing; nothing else is measured or rewritten)')
    parser.add_argument('--figure-engine', metavar='ENGINE:PRECISION',
                        help='the engine and precision plotted (default: the first of '
                        '--engines)')
    return parser.parse_args(argv)


def settings_of(args: argparse.Namespace) -> Settings:
    """The measurement settings shared by every section (each one adapts its own)."""
    return Settings(threads=args.threads, rounds=args.rounds, max_rounds=args.max_rounds,
                    warmup=args.warmup,
                    iters=args.iters, calib_images=args.calib_images, calib_dir=args.calib_dir,
                    drift_images=args.drift_images, root=ROOT, log=log_to_stderr)


def measure_paper_table(key: str, args: argparse.Namespace, settings: Settings, engines):
    slow = key in SLOW_TABLES
    if slow:
        settings = settings.replace(warmup=args.seg_warmup, iters=args.seg_iters,
                                    calib_images=args.seg_calib_images)
    return measure_table(TABLES[key], engines, settings, rows=args.rows,
                         throughput_batch=(args.throughput_batch or None)
                         if key in THROUGHPUT_TABLES else None)


def measure_overhead(args: argparse.Namespace, settings: Settings):
    det, seg = MODELS
    return predictor_overhead(
        settings.replace(rounds=args.overhead_rounds,
                         warmup=args.overhead_warmup * args.overhead_rounds,
                         iters=args.overhead_iters * args.overhead_rounds),
        (det._replace(candidates=args.overhead_candidates),
         seg._replace(round_iters=args.overhead_seg_iters,
                      calib_images=args.seg_calib_images)))


def measure_paddledet(args: argparse.Namespace, settings: Settings, det_engines, key: str):
    return paddledet_comparison(
        det_engines, settings.replace(rounds=args.det_rounds,
                                      warmup=args.det_warmup * args.det_rounds,
                                      iters=args.det_iters * args.det_rounds,
                                      calib_images=args.det_calib_images),
        args.paddle_precisions, args.det_images, model=RACE_MODELS[key])


#: section -> (measure(args, settings, engines, det_engines), render); a section whose engine
#: is not installed is skipped with a message
SECTIONS = dict(
    {key: (lambda a, s, e, d, key=key: measure_paper_table(key, a, s, e), render_table)
     for key in TABLES},
    paddle=(lambda a, s, e, d: paddle_comparison(e, s), render_paddle),
    paddleseg=(lambda a, s, e, d: paddleseg_comparison(
        [x for x in e if x[1] != 'int8'],
        s.replace(warmup=a.seg_warmup, iters=a.seg_iters, calib_images=a.seg_calib_images),
        tuple(a.paddleseg_shape)), render_paddleseg),
    **{key: (lambda a, s, e, d, key=key: measure_paddledet(a, s, d, key), render_paddledet)
       for key in RACE_MODELS},
    overhead=(lambda a, s, e, d: measure_overhead(a, s), render_overhead),
)


def write_figure(tables: dict, spec: str, args: argparse.Namespace, command: str) -> None:
    """Draw the figure of ``tables`` into --figure; with --doc, its ``figure`` section: the
    image, the caption under it and the command."""
    caption = draw_accuracy_latency(tables, spec, args.figure)
    print(f'figure: {args.figure}\n{caption}')
    if args.doc:
        image = os.path.relpath(args.figure, os.path.dirname(os.path.abspath(args.doc)))
        update_markdown_section(args.doc, 'figure', f'![Accuracy against CPU latency]'
                                f'({image})\n\n{caption}\n\n`{command}`')


def figure_from_doc(args: argparse.Namespace, spec: str, command: str) -> int:
    """--figure-from-doc: the figure of the table2/table3 run already in --doc, no timing."""
    if not (args.figure and args.doc):
        print('reproduce_tables.py: error: --figure-from-doc needs --figure PNG and --doc',
              file=sys.stderr)
        return 2
    try:
        with open(args.doc) as f:
            tables = tables_from_doc(f.read(), spec, args.doc)
    except (OSError, ValueError) as e:
        print(f'reproduce_tables.py: error: {e}', file=sys.stderr)
        return 2
    write_figure(tables, spec, args, command)
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        engines = parse_engine_specs(args.engines)
        det_engines = parse_engine_specs(args.det_engines)
        settings = settings_of(args)
    except ValueError as e:
        print(f'reproduce_tables.py: error: {e}', file=sys.stderr)
        return 2
    specs = [f'{e}:{p}' for e, p in engines]
    figure_spec = args.figure_engine or specs[0]
    command = ' '.join(['python', 'tools/analysis_tools/reproduce_tables.py',
                        *(argv if argv is not None else sys.argv[1:])])
    if args.figure_from_doc:
        return figure_from_doc(args, figure_spec, command)
    if args.figure and not set(args.tables) & set(CLASSIFICATION_TABLES):
        print('reproduce_tables.py: error: --figure needs table2 or table3 in --tables',
              file=sys.stderr)
        return 2
    if args.figure and figure_spec not in specs:
        print(f'reproduce_tables.py: error: --figure-engine {figure_spec} is not one of the '
              f'measured --engines ({", ".join(specs)})', file=sys.stderr)
        return 2
    everything = {}
    for key in args.tables:
        measure, render = SECTIONS[key]
        try:
            result = measure(args, settings, engines, det_engines)
        except EngineNotInstalled as e:
            print(f'{key} skipped: {e}', file=sys.stderr)
            continue
        result['command'] = command
        text = render(result)
        everything[key] = result
        print(text + '\n')
        if args.doc:
            update_markdown_section(args.doc, key, text)
    if args.figure and any(k in everything for k in CLASSIFICATION_TABLES):
        write_figure(everything, figure_spec, args, command)
    if args.json:
        write_json(everything, args.json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
