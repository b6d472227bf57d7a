"""Run an exported model on images, folders of images or videos: results, drawings, latency.

Usage: python tools/deployment/infer.py CONFIG MODEL.{onnx,xml} INPUT... [--engine openvino|
       onnxruntime|auto] [--no-cache] [--precision fp32|bf16|int8] [--threads N]
       [--show-dir DIR] [--out results.json] [--topk 5] [--score-thr 0.3]
       [--cfg-options K=V ...]

INPUT: image files, folders (every file in them, recursively, must be an image or a video) and
video files (read frame by frame with OpenCV). --out writes the results as JSON: COCO-style boxes
([x, y, w, h], score, label, category) for detection, with the config's image_id and
category_id when its annotation file is here (pycocotools' loadRes reads the "predictions" list
as it is), the top-k classes for classification, and for segmentation a label PNG per image in
<out name>_labels/ next to it. Classification results are also printed, one line an image; a
multi-label head's classes above its threshold go under "positive" in --out, and a PULC config's
post-processing (PaddleClas' thresholds and attribute grouping) gives the answer printed and its
result under "postprocessed". --show-dir writes drawings as tools/test.py --show-dir does
(segmentation label PNGs go to DIR/labels/ without --out). At the end: the median per-image
latency of preprocessing, the network and postprocessing.

The model's contract (what it was exported with) is checked against CONFIG first: a model of
another config or input size, or a --cfg-options value fixed in the graph at export (a detector's
NMS settings), is refused in one line (exit 2) saying to export again; a stricter
model.test_cfg.score_thr (or a smaller max_per_img) is applied after the graph.

--engine auto races the engines that load MODEL at --precision for a second or two and uses the
fastest; the choice and its margin are printed (and written to --out under "engine_choice").
The choice is cached for the file's contents, precision, threads and CPU (in
$PPLC_CACHE_DIR/engine_auto, else ~/.cache/pplc_vision/engine_auto): the next run loads it
without a race and says "(cached)"; --no-cache races again and replaces it.
"""
import argparse
import json
import os
import sys
from typing import Dict, List, Optional

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.deploy.class_names import config_palette
from pplc_vision.deploy.drawing import DRAW_SCORE_THR, PredictionDrawer
from pplc_vision.deploy.engines.auto import AUTO
from pplc_vision.deploy.engines.base import PRECISIONS, EngineNotInstalled
from pplc_vision.deploy.inputs import (Frame, PredictorInputError, check_inputs, count_frames,
                                       expand_inputs, iter_frames)
from pplc_vision.deploy.predictions import Prediction
from pplc_vision.deploy.predictor import Predictor


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('model', help='the exported .onnx, or OpenVINO .xml')
    parser.add_argument('inputs', nargs='+', metavar='INPUT', help='images, folders, videos')
    parser.add_argument('--engine', choices=('openvino', 'onnxruntime', AUTO),
                        default='openvino', help='auto: the fastest of the engines that load '
                        'the model at --precision here, raced at load (the choice is cached)')
    parser.add_argument('--no-cache', action='store_true',
                        help='--engine auto: race again instead of using the cached choice '
                        '(the new choice replaces it)')
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--threads', type=int, default=None, help='engine threads')
    parser.add_argument('--show-dir', default=None, help='folder for the drawings')
    parser.add_argument('--out', default=None, help='results JSON file')
    parser.add_argument('--topk', type=int, default=5, help='classification: classes kept')
    parser.add_argument('--score-thr', type=float, default=DRAW_SCORE_THR,
                        help="detection: the lowest score DRAWN in --show-dir (as tools/test.py "
                        "--show-dir); every box of the results goes to --out. The results' "
                        "threshold is the graph's, or a stricter model.test_cfg.score_thr "
                        "given with --cfg-options")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='override config settings, e.g. model.test_cfg.score_thr=0.5 (a '
                        'value fixed in the graph at export is refused unless it can be '
                        'applied after the graph)')
    args = parser.parse_args(argv)
    if args.no_cache and args.engine != AUTO:
        parser.error(f'--no-cache is for --engine auto (got --engine {args.engine})')
    return args


class OutputNames:
    """File stems of the frames: the image's name, ``video_000012`` for frame 12; a repeated
    stem gets ``_2``, ``_3``."""

    def __init__(self) -> None:
        self.seen: Dict[str, int] = {}

    def __call__(self, frame: Frame) -> str:
        stem = os.path.splitext(os.path.basename(frame.path or frame.name))[0]
        if frame.frame_index is not None:
            stem = f'{stem}_{frame.frame_index:06d}'
        count = self.seen.get(stem, 0) + 1
        self.seen[stem] = count
        return stem if count == 1 else f'{stem}_{count}'


def label_dir(args: argparse.Namespace) -> Optional[str]:
    """Where segmentation label PNGs go: ``<out name>_labels/`` next to --out, else
    ``--show-dir/labels``, else nowhere."""
    if args.out:
        return os.path.splitext(args.out)[0] + '_labels'
    return os.path.join(args.show_dir, 'labels') if args.show_dir else None


def latency_line(timings: List[Prediction]) -> str:
    stages = {name: float(np.median([getattr(p.timing, f'{name}_ms') for p in timings]))
              for name in ('preprocess', 'network', 'postprocess')}
    total = float(np.median([p.timing.total_ms for p in timings]))
    return (f'latency per image, median of {len(timings)} (ms): preprocess '
            f'{stages["preprocess"]:.2f}, network {stages["network"]:.2f}, postprocess '
            f'{stages["postprocess"]:.2f}, total {total:.2f}')


def run(args: argparse.Namespace) -> int:
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    predictor = Predictor(cfg, args.model, args.engine, args.precision, args.threads,
                          topk=args.topk, engine_cache='refresh' if args.no_cache else 'use')
    choice = predictor.engine_choice
    if choice is not None:
        print(choice.line())
    paths = expand_inputs(args.inputs)
    check_inputs(paths)
    drawer = None
    if args.show_dir:
        os.makedirs(args.show_dir, exist_ok=True)
        drawer = PredictionDrawer(predictor.task, predictor.class_names,
                                  config_palette(predictor.cfg, predictor.num_classes),
                                  args.score_thr)
    labels = label_dir(args)
    ids = predictor.task.dataset_ids() if args.out else None
    names, records, predictions = OutputNames(), [], []
    progress = ProgressBar(count_frames(paths))
    for frame in iter_frames(paths):
        prediction = predictor.predict_frame(frame)
        predictions.append(prediction)
        stem = names(frame)
        records += prediction.records(os.path.join(labels, stem + '.png') if labels else None,
                                      ids, frame.path if frame.frame_index is None else '')
        if drawer is not None:
            drawer.draw(frame.image, prediction, os.path.join(args.show_dir, stem + '.jpg'))
        prediction.sample = None  # drawn and recorded: free the tensors
        progress.update()
    print()
    for prediction in predictions:
        line = prediction.summary()  # classification: one line an image
        if line is not None:
            print(line)
    if args.out:
        out_dir = os.path.dirname(os.path.abspath(args.out))
        os.makedirs(out_dir, exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, model=args.model, engine=predictor.engine.name,
                           precision=args.precision, task=predictor.task.name,
                           graph=predictor.graph, class_names=list(predictor.class_names),
                           predictions=records,
                           **({} if choice is None else dict(engine_choice=choice.as_dict()))),
                      f, indent=1)
        print(f'wrote {args.out} ({len(predictions)} images)')
    print(latency_line(predictions))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except (PredictorInputError, EngineNotInstalled, ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
