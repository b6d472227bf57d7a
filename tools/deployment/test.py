"""Evaluate an exported model with the config's own test dataloader and evaluator, as
tools/test.py evaluates a checkpoint (COCO mAP, mIoU, top-1).

Usage: python tools/deployment/test.py CONFIG MODEL.{onnx,xml} [--engine openvino|onnxruntime]
       [--precision fp32|bf16|int8] [--threads N] [--calib-images 32] [--cfg-options K=V ...]
       [--json OUT]

The model runs on the engine at the precision (the predictor of tools/deployment/infer.py: the
config's test pipeline, the graph, the model's own post-processing); its contract is checked
against CONFIG first. --precision int8 on an fp32 file quantises it first (NNCF, calibrated on
--calib-images images of the config's train set through its test pipeline), so that the metric
shows what int8 costs, beside the fp32 one of the same file. Prints "test metrics: ..." as
tools/test.py does; errors are one line (exit 2).
"""
import argparse
import json
import sys

from mmengine.config import DictAction

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.apis import (ONE_LINE_ERRORS, ToolError, load_config, metrics_line,
                              plain_metrics)
from pplc_vision.deploy.engines.base import PRECISIONS, EngineNotInstalled
from pplc_vision.deploy.evaluation import evaluate_exported
from pplc_vision.deploy.inputs import PredictorInputError


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('model', help='the exported .onnx, or OpenVINO .xml')
    parser.add_argument('--engine', choices=('openvino', 'onnxruntime'), default='openvino')
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--threads', type=int, default=None, help='engine threads')
    parser.add_argument('--calib-images', type=int, default=32,
                        help='int8 of an fp32 file: train images to calibrate on (default 32)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings, e.g. test_dataloader.batch_size=1')
    parser.add_argument('--json', metavar='OUT', help='write the metrics as JSON')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    try:
        cfg = load_config(args.config, args.cfg_options)
        metrics = plain_metrics(evaluate_exported(cfg, args.model, args.engine, args.precision,
                                                  args.threads, args.calib_images, log))
    except (PredictorInputError, EngineNotInstalled, ToolError, ValueError, KeyError,
            FileNotFoundError, *ONE_LINE_ERRORS) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f'error: {message}', file=sys.stderr)
        return 2
    print(f'{args.engine} {args.precision}: {metrics_line(metrics)}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, model=args.model, engine=args.engine,
                           precision=args.precision, metrics=metrics), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
