"""What the deployed predictor adds to the network: image to result against the network alone.

Per model (:data:`MODELS`: PicoDet PP-LCNet-1x at 416x416, DeepLabV3+ PP-LCNet-1x at 1024x2048)
the network gets random weights with BatchNorm statistics from real photos, is exported as the
deployment commands export it (detection: the head-outputs graph of README's predictor command
and the NMS-in-graph default of ``tools/deployment/export_onnx.py``; segmentation: the logits
default and the label-map graph of ``--seg-output labels``), and these are timed in interleaved rounds (:func:`~.timing.race`) on one engine:

- ``predictor:GRAPH``: :class:`~pplc_vision.deploy.predictor.Predictor` on a decoded BGR photo
  (test pipeline, graph, the model's post-processing), with the medians of its own per-stage
  :class:`~pplc_vision.deploy.predictions.Timing`;
- ``graph:GRAPH``: that predictor's engine alone on its pre-processed batch;
- ``network``: the network alone (``as_tensor_module``: PicoDet's head maps, DeepLabV3+'s
  stride-4 logits) on the same engine, on the batch the graph normalises inside;
- ``decode``: reading the photo's file (not part of the predictor's time here).

The overhead is the predictor's median over the network's, minus one. A detector with random
weights finds everything or nothing, so its class-score biases are shifted until ``candidates``
(prior, class) scores of the photo pass the head's ``score_thr`` (a trained PicoDet has hundreds
to a few thousand), and the count the graph gives is reported with the detections.
"""
import os
import tempfile
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from ..apis import load_config
from ..deploy.calibration import (load_images, preprocessor_mean_std, random_crops,
                                  recalibrate_batchnorm)
from ..deploy.engines import as_tensor_module, build_engine
from ..deploy.inputs import Frame, read_image
from ..deploy.predictor import Predictor
from ..deploy.preprocess import PreprocessInGraph, swaps_channels
from ..deploy.tasks import Task, task_for
from .machine import environment
from .settings import Settings
from .timing import Contender, race, race_result

WEIGHTS = 'random, BatchNorm statistics estimated on real images (no checkpoint)'
STAGES = ('preprocess', 'network', 'postprocess')


class OverheadModel(NamedTuple):
    """A timed model: its config, the graph's input size (H, W) and the photo it predicts.

    ``frame_size``: the photo is resized to ``shape`` first and decoded from a PNG (a camera
    frame of the size the test pipeline gives); ``candidates``: (prior, class) scores above a
    detector's ``score_thr`` (0: not a detector); ``round_iters`` and ``calib_images`` replace
    the settings' for this model (segmenters: about a second a call)."""
    name: str
    config: str
    shape: Tuple[int, int]
    image: str
    frame_size: bool = False
    candidates: int = 0
    round_iters: Optional[int] = None
    calib_images: Optional[int] = None


MODELS = (
    OverheadModel('PicoDet PP-LCNet-1x', 'configs/det/picodet_pplcnet_1x_coco.py', (416, 416),
                  'data/demo_coco/images/voc.jpg', candidates=1000),
    OverheadModel('DeepLabV3+ PP-LCNet-1x',
                  'configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py', (1024, 2048),
                  'data/demo_cityscapes/leftImg8bit/val/skimage/'
                  'skimage_000000_000001_leftImg8bit.png', frame_size=True, round_iters=2,
                  calib_images=4),
)
#: the settings of README's and docs/benchmarks.md's overhead rows
SETTINGS = Settings(rounds=5, warmup=10, iters=100, calib_images=16)


def set_test_size(cfg, shape: Sequence[int]) -> None:
    """Every ``Resize`` of the config's test pipeline resizes to ``shape`` (H, W)."""
    dataset = cfg.test_dataloader.dataset
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset.dataset
    for transform in dataset.pipeline:
        if str(transform['type']).split('.')[-1] == 'Resize':
            transform['scale'] = (int(shape[1]), int(shape[0]))


def calibration_batch_size(shape: Sequence[int]) -> int:
    """Images per BatchNorm-statistics batch: 16, fewer above 4 megapixels a batch."""
    return max(1, min(16, (1 << 22) // (int(shape[0]) * int(shape[1]))))


def network_input(model: torch.nn.Module, image_bgr: np.ndarray, shape: Sequence[int]
                  ) -> torch.Tensor:
    """``image_bgr`` resized (bilinear) to ``shape`` and normalised as the model's network takes
    it (channels swapped where its data preprocessor converts BGR to RGB)."""
    resized = cv2.resize(image_bgr, (int(shape[1]), int(shape[0])), interpolation=cv2.INTER_LINEAR)
    if swaps_channels(model.data_preprocessor):
        resized = resized[:, :, ::-1]
    mean, std = preprocessor_mean_std(model)
    x = (resized.astype(np.float32) - np.float32(mean)) / np.float32(std)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)[None]))


def set_detection_candidates(detector: torch.nn.Module, inputs: torch.Tensor, count: int) -> float:
    """Shift the class-score biases of a PicoDet head so that ``count`` (prior, class) scores of
    ``inputs`` (a normalised batch of one) pass its ``test_cfg.score_thr``; returns the shift."""
    head = detector.bbox_head
    if not hasattr(head, 'gfl_preds'):
        raise ValueError(f'{type(head).__name__}: expected a PicoDet head (gfl_preds) to set the '
                         f'number of detection candidates')
    with torch.no_grad():
        cls_scores, _ = head(detector.extract_feat(inputs))
        logits = torch.cat([c.flatten() for c in cls_scores])
        if not 0 < count < logits.numel():
            raise ValueError(f'candidates must be in 1..{logits.numel() - 1}, got {count}')
        top = logits.topk(count + 1).values
        threshold = float(head.test_cfg.score_thr)
        shift = float(np.log(threshold / (1 - threshold))) - float(top[-2] + top[-1]) / 2
        for conv in head.gfl_preds:
            conv.bias[:head.cls_out_channels] += shift
    return shift


def count_candidates(predictor: Predictor, batch: np.ndarray) -> int:
    """(prior, class) scores above ``score_thr`` in a head-outputs graph's class maps."""
    outputs = predictor.engine(batch)
    levels = len(outputs) // 2
    threshold = float(predictor.model.bbox_head.test_cfg.score_thr)
    return int(sum((torch.from_numpy(o).sigmoid() > threshold).sum() for o in outputs[:levels]))


def export_graphs(model: torch.nn.Module, task: Task, shape: Sequence[int], folder: str
                  ) -> Dict[str, str]:
    """The deployment graphs of ``model`` in ``folder``, by name: every graph the task's
    predictor runs (detection ``nms``, ``export_onnx.py``'s default, and ``head``, README's
    predictor command, ``--head-outputs``; segmentation ``logits``, the default, and ``labels``,
    ``--seg-output labels``: the argmax in the graph, so that the full-size logits never leave
    the engine)."""
    return {graph: task.export(model, os.path.join(folder, f'{graph}.onnx'), shape, graph)
            for graph in task.overhead_graphs}


class StageLog:
    """The predictor's per-stage times of every call, and their medians over the timed calls
    of a race (the first ``warmup`` of every ``warmup + iters`` calls are its warm-up)."""

    def __init__(self, predictor: Predictor) -> None:
        self.predictor = predictor
        self.timings: List[Tuple[float, float, float]] = []
        self.last = None

    def __call__(self, image: np.ndarray):
        self.last = self.predictor(image)
        t = self.last.timing
        self.timings.append((t.preprocess_ms, t.network_ms, t.postprocess_ms))
        return self.last

    def medians(self, warmup: int, iters: int) -> Dict[str, float]:
        timed = [t for i, t in enumerate(self.timings) if i % (warmup + iters) >= warmup]
        per_stage = np.median(np.asarray(timed, np.float64), axis=0)
        return dict(zip(STAGES, (float(v) for v in per_stage)),
                    total=float(np.median([sum(t) for t in timed])))


def measure_model(spec: OverheadModel, settings: Settings) -> Dict[str, Any]:
    """Race one model's predictors against their graphs and the network alone (see the module
    docstring); OpenVINO fp32, ``settings.threads`` engine threads, batch 1; ``settings``'
    warm-up and timed calls spread over its rounds, ``calib_images`` crops for BatchNorm
    statistics."""
    cfg = load_config(os.path.join(settings.root, spec.config))
    task = task_for(cfg)
    if not task.overhead_graphs:
        raise ValueError(f'{spec.config}: the predictor overhead is measured for tasks whose '
                         f'predictor post-processes the network (detection, segmentation), '
                         f'not {task.name}')
    threads, rounds, log = settings.threads, settings.rounds, settings.log
    warmup = settings.round_warmup
    iters = spec.round_iters or settings.round_iters
    calib_images = spec.calib_images or settings.calib_images
    set_test_size(cfg, spec.shape)
    h, w = (int(s) for s in spec.shape)
    image_path = os.path.join(settings.root, spec.image)
    image = read_image(image_path)
    note = f'{image.shape[1]}x{image.shape[0]}'
    if spec.frame_size and image.shape[:2] != (h, w):  # a frame of the size the config gives
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        note += f', resized to {w}x{h} (bilinear) as a frame of that size'
    torch.manual_seed(0)
    model = task.build_model()
    network = as_tensor_module(model)
    mean, std = preprocessor_mean_std(model)
    log(f'{spec.name}: BatchNorm statistics from {calib_images} real-image crops at {h}x{w}')
    calibration = random_crops(load_images(settings.calib_dir), calib_images, (h, w), mean, std,
                               seed=0)
    step = calibration_batch_size((h, w))
    recalibrate_batchnorm(network, [torch.from_numpy(calibration[i:i + step])
                                    for i in range(0, len(calibration), step)])
    del calibration
    extra: Dict[str, Any] = {}
    if spec.candidates:
        extra['class_bias_shift'] = set_detection_candidates(
            model, network_input(model, image, (h, w)), spec.candidates)
    model.eval()
    with tempfile.TemporaryDirectory(prefix='pplc_overhead_') as tmp:
        if spec.frame_size:  # a 2048x1024 PNG, as Cityscapes stores its frames
            decode_path = os.path.join(tmp, 'frame.png')
            cv2.imwrite(decode_path, image)
        else:
            decode_path = image_path
        log(f'{spec.name}: exporting and compiling the graphs (OpenVINO fp32, {threads} threads)')
        graphs = export_graphs(model, task, (h, w), tmp)
        predictors = {name: Predictor(cfg, path, engine='openvino', precision='fp32',
                                      threads=threads) for name, path in graphs.items()}
        batches = {name: p.preprocess(Frame('photo', image, ''))[0]
                   for name, p in predictors.items()}
        first = next(iter(batches.values()))
        net_batch = PreprocessInGraph(model.data_preprocessor)(torch.from_numpy(first)).numpy()
        bare = build_engine(network, torch.from_numpy(net_batch), 'openvino', 'fp32', threads)
        logs = {name: StageLog(p) for name, p in predictors.items()}
        contenders = []
        for name, p in predictors.items():
            contenders.append(Contender(f'predictor:{name}', lambda i, f=logs[name]: f(image),
                                        dict(p.engine.info(), part='predictor', graph=name,
                                             mode=p.mode)))
            contenders.append(Contender(f'graph:{name}',
                                        lambda i, e=p.engine, b=batches[name]: e(b),
                                        dict(p.engine.info(), part='graph', graph=name)))
        contenders.append(Contender('network', lambda i: bare(net_batch),
                                    dict(bare.info(), part='network')))
        contenders.append(Contender('decode', lambda i: read_image(decode_path),
                                    dict(part='decode', file=os.path.basename(decode_path),
                                         bytes=os.path.getsize(decode_path))))
        log(f'{spec.name}: race, {rounds} rounds of {len(contenders)} contenders x {iters} timed '
            f'calls (after {warmup} untimed)')
        race(contenders, 1, rounds, warmup, iters, progress=False)
        results = {c.key: race_result(c) for c in contenders}
        if spec.candidates:
            extra['candidates'] = count_candidates(predictors['head'], batches['head'])
            extra['detections'] = {name: int(len(logs[name].last.labels)) for name in logs}
    network_ms = results['network']['latency_ms']['median']
    overhead = {}
    for name in predictors:
        entry = results[f'predictor:{name}']
        entry['stages_ms'] = logs[name].medians(warmup, iters)
        overhead[name] = entry['latency_ms']['median'] / network_ms - 1
    return dict(name=spec.name, config=spec.config, task=task.name, input_hw=[h, w],
                image=spec.image, image_size=note, weights=WEIGHTS, graphs=list(graphs),
                iters=iters, calib_images=calib_images, results=results, overhead=overhead,
                **extra)


def predictor_overhead(settings: Settings = SETTINGS,
                       models: Sequence[OverheadModel] = MODELS) -> Dict[str, Any]:
    """:func:`measure_model` for every model, with the machine and the load average around
    the run."""
    torch.set_num_threads(settings.threads)
    load_before = os.getloadavg()
    rows = [measure_model(spec, settings) for spec in models]
    return dict(threads=settings.threads, engine='openvino', precision='fp32',
                rounds=settings.rounds, warmup=settings.round_warmup,
                iters=settings.round_iters,
                seg_iters=next((m.round_iters for m in models if m.round_iters), None),
                candidates=next((m.candidates for m in models if m.candidates), None),
                rows=rows, load_average=dict(before=list(load_before),
                                             after=list(os.getloadavg())),
                environment=environment(roofline_threads=settings.threads))
