"""Same-weights end-to-end races of deployed PicoDets: PaddleDetection's model exported as its
``tools/export_model.py`` exports it, on Paddle Inference + oneDNN, against our conversion into
the matching config deployed with NMS in the graph, image file in, boxes out, timed in
interleaved rounds in one process. Two models (:data:`RACE_MODELS`): the CSP-PAN
PicoDet-LCNet-1.5x and PicoDet v2 S, both at 416x416.

Paddle side per image: ``cv2.imread`` and BGR->RGB (ppdet's ``Decode``), PaddleDetection's
evaluation reader (ppdet's operators), the predictor (network, box decoding, rescaling to the
image, ``multiclass_nms3``). Our side: ``cv2.imread``, the config's test-pipeline resize (mmcv's
``imresize``), :class:`~pplc_vision.deploy.tasks.DetectorExportWrapper` with NMS in the graph
(normalisation inside) on an engine, boxes rescaled to the image.
"""
import dataclasses
import os
import tempfile
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
import torch
from mmdet.structures.bbox import bbox_overlaps

from ..apis import load_config
from ..converters.paddledet import convert_paddledet_picodet
from ..deploy.calibration import load_images, preprocessor_mean_std, random_crops
from ..deploy.engines import PaddleInferenceEngine, as_tensor_module, build_engine
from ..deploy.engines.base import import_engine_module
from ..deploy.tasks import Task, task_for
from ..models.dense_heads.pico_gfl_head import per_class_candidates
from ..references import paddledet as ref
from .drift import measure_drift, run_batches
from .machine import environment
from .paddle_race import PADDLE_DELETED_PASSES, SETTLE_S
from .settings import Settings
from .timing import Contender, race, race_result


class RaceModel(NamedTuple):
    """A PaddleDetection detector raced against its conversion into one of our configs."""
    name: str  # as the benchmark tables call it
    upstream: str  # PaddleDetection's config and weights name
    config: str  # ours, relative to the repository
    build: Callable[[], Any]  # PaddleDetection's model with seeded random weights, eval mode
    other_bias: float  # class-predictor bias of the classes that are not busy (see below)


# Class predictors are redrawn so that random weights detect: 6 busy classes at bias -2.5 and
# the others at ``other_bias``. PicoDet v2's score is sqrt(sigmoid(cls) sigmoid(align)): at -4
# every class would pass the 0.025 threshold almost everywhere, so its others sit at -9.
CSPPAN = RaceModel('PicoDet-LCNet-1.5x', 'picodet_lcnet_1_5x_416_coco',
                   'configs/det/picodet-csppan_pplcnet_1.5x_coco.py',
                   lambda: ref.build_paddledet_picodet_lcnet(1.5), other_bias=-4.0)
V2_S = RaceModel('PicoDet v2 S', 'picodet_s_416_coco_lcnet',
                 'configs/det/picodet-v2_s_416_coco.py',
                 lambda: ref.build_paddledet_picodet_v2('S', eval_size=ref.EVAL_SIZE),
                 other_bias=-9.0)
RACE_MODELS = {'paddledet': CSPPAN, 'paddledet-v2': V2_S}  # reproduce_tables.py's sections
IMAGES = ('data/demo_coco/images/voc.jpg', 'data/demo_coco/images/arc2017.jpg')
MATCH_IOU = 0.99
Detections = Dict[str, np.ndarray]  # boxes (K, 4) in image pixels, scores (K,), labels (K,)


def read_rgb(path: str) -> np.ndarray:
    """ppdet's ``Decode``: the file through OpenCV, then BGR -> RGB."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f'{path}: not an image that OpenCV can decode')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class PaddleDetPipeline:
    """PaddleDetection's deployed detector, end to end: path in, detections out."""

    def __init__(self, engine: PaddleInferenceEngine) -> None:
        self.engine = engine

    def __call__(self, path: str) -> Detections:
        image, scale_factor = ref.preprocess(read_rgb(path))
        return ref.detections_from_outputs(
            *self.engine({'image': image, 'scale_factor': scale_factor}))


class OursPipeline:
    """Our deployed detector, end to end: the config's test resize on the host, then an engine
    over the NMS-in-graph module (BGR in); boxes rescaled to the image as mmdet rescales them."""

    def __init__(self, engine, task: Task) -> None:
        resize = [t for t in task.inference_pipeline() if t['type'] == 'Resize']
        if len(resize) != 1 or resize[0].get('keep_ratio', False):
            raise ValueError(f'config {task.cfg.filename}: expected one Resize to a fixed size '
                             f'(keep_ratio=False) in the test pipeline, got {resize}')
        self.engine = engine
        self.size = tuple(resize[0]['scale'])  # (w, h), as mmcv takes it
        self.interpolation = resize[0].get('interpolation', 'bilinear')

    def __call__(self, path: str) -> Detections:
        image = cv2.imread(path, cv2.IMREAD_COLOR)  # BGR, as mmdet's LoadImageFromFile
        if image is None:
            raise ValueError(f'{path}: not an image that OpenCV can decode')
        h, w = image.shape[:2]
        resized = mmcv.imresize(image, self.size, interpolation=self.interpolation)
        batch = np.ascontiguousarray(resized.transpose(2, 0, 1)[None], np.float32)
        boxes, scores, labels = self.engine(batch)
        scale = np.array([w / self.size[0], h / self.size[1]] * 2, np.float32)
        return dict(boxes=boxes * scale, scores=scores, labels=labels.astype(np.int64))


def detections_agree(ours: Detections, theirs: Detections, iou: float = MATCH_IOU
                     ) -> Dict[str, Any]:
    """Ours against Paddle's on one image: same count and, within each class, every box matched
    one to one at IoU >= ``iou`` (``matched`` counts them)."""
    n = len(theirs['labels'])
    overlaps = bbox_overlaps(torch.from_numpy(ours['boxes']).float(),
                             torch.from_numpy(theirs['boxes']).float()).numpy()
    same_class = ours['labels'][:, None] == theirs['labels'][None, :]
    overlaps = np.where(same_class, overlaps, -1.0)
    matched = 0
    if overlaps.size:
        best = overlaps.argmax(1)
        good = overlaps.max(1) >= iou
        matched = len(set(best[good].tolist()))  # distinct Paddle boxes matched
    return dict(count_ours=len(ours['labels']), count_paddle=n, matched=matched,
                agree=len(ours['labels']) == n and matched == n)


def nms_candidates(task: Task, model: torch.nn.Module, network_inputs: np.ndarray
                   ) -> List[int]:
    """Per image, the (prior, class) pairs that enter NMS (per class the ``nms_pre`` best above
    ``score_thr``): what the NMS of both sides works through."""
    wrapper = task.end_to_end_module(model)
    pre = wrapper.preprocess
    counts = []
    with torch.no_grad():
        for image in network_inputs:  # normalised RGB: back to the wrapper's BGR 0..255 input
            x = (torch.from_numpy(image[None]) * pre.std + pre.mean)[:, [2, 1, 0]]
            boxes, scores, _ = wrapper.decode(x)
            prior_idx, _ = per_class_candidates(scores[0], wrapper.settings['score_thr'],
                                                wrapper.settings['nms_pre'])
            counts.append(int(prior_idx.numel()))
    return counts


def network_contenders(model: torch.nn.Module, engine: str, threads: int,
                       network_inputs: np.ndarray, calib_images: int,
                       calib_dir: Optional[str]) -> List[Contender]:
    """The network alone on ``engine`` in fp32 and in int8 (NNCF, calibrated on real-image
    crops), on the preprocessed timed images; int8 carries its output drift from fp32."""
    mean, std = preprocessor_mean_std(model)
    calibration = random_crops(load_images(calib_dir), calib_images, network_inputs.shape[2:],
                               mean, std, seed=0)
    network = as_tensor_module(model)
    example = torch.from_numpy(network_inputs[:1])
    int8 = build_engine(network, example, engine, 'int8', threads, calibration=calibration)
    fp32 = build_engine(network, example, engine, 'fp32', threads)
    drift = measure_drift(run_batches(fp32, network_inputs), run_batches(int8, network_inputs))
    extra = dict(calib_images=calib_images, drift_vs_fp32=dataclasses.asdict(drift))
    return [Contender(f'{engine}:{run.precision}:network',
                      lambda i, run=run: run(network_inputs[i:i + 1]),
                      dict(run.info(), part='network', **(extra if run is int8 else {})))
            for run in (fp32, int8)]


def build_models(model: RaceModel, images: Sequence[np.ndarray], root: str
                 ) -> Tuple[Any, torch.nn.Module, Task]:
    """PaddleDetection's ``model`` (seeded weights, redrawn class predictors, BN statistics of
    ``images``), our config's model with its weights converted (strict), and the config's
    task."""
    import_engine_module('paddle', 'paddle').seed(0)
    paddle_model = model.build()
    ref.redraw_class_predictors(paddle_model, other_bias=model.other_bias)
    calibration = np.concatenate([ref.preprocess(image)[0] for image in images])
    ref.set_paddle_bn_statistics(ref.FeaturesOnly(paddle_model), calibration)
    params = {k: v.numpy() for k, v in paddle_model.state_dict().items()}
    task = task_for(load_config(os.path.join(root, model.config)))
    ours = task.build_model()
    state_dict, _, _ = convert_paddledet_picodet(params, source=f'paddledet {model.name}')
    ours.load_state_dict(state_dict, strict=True)
    return paddle_model, ours.eval(), task


def paddledet_comparison(engines: Sequence[Tuple[str, str]] = (('openvino', 'fp32'),),
                         settings: Settings = Settings(rounds=10, warmup=20, iters=30,
                                                       calib_images=16),
                         paddle_precisions: Sequence[str] = ('fp32', ),
                         image_paths: Optional[Sequence[str]] = None,
                         settle_s: float = SETTLE_S, model: RaceModel = CSPPAN
                         ) -> Dict[str, Any]:
    """PaddleDetection's deployed ``model`` on Paddle Inference + oneDNN (each of
    ``paddle_precisions``) against ours on ``engines`` (``(engine, precision)``; int8 runs the
    network alone, beside the others), same weights, same images, interleaved rounds
    (``settings``' calls spread over them; each round times every image).

    A contender that cannot run here (bf16 without CPU support) is listed in ``skipped`` with
    the reason. Paddle must have been imported before torch (see ``PaddleInferenceEngine``).
    """
    threads, rounds, log, root = settings.threads, settings.rounds, settings.log, settings.root
    warmup, iters = settings.round_warmup, settings.round_iters
    paths = [os.path.join(root, p) for p in (image_paths or IMAGES)]
    rgbs = [read_rgb(p) for p in paths]
    torch.set_num_threads(threads)
    load_before = os.getloadavg()
    log(f'{model.name}: PaddleDetection model, BN statistics from {len(paths)} images; '
        f'converted into {model.config}')
    paddle_model, ours, task = build_models(model, rgbs, root)
    network_inputs = np.concatenate([ref.preprocess(image)[0] for image in rgbs])
    input_hw = ref.EVAL_SIZE
    contenders: List[Contender] = []
    skipped: Dict[str, str] = {}
    outputs: Dict[str, List[Detections]] = {}
    with tempfile.TemporaryDirectory(prefix='pplc_paddledet_') as tmp:
        for precision in paddle_precisions:
            log(f'Paddle Inference (oneDNN) {precision}: paddle.jit.save with NMS in the graph')
            with ref.pir_multiclass_nms():
                engine = PaddleInferenceEngine(
                    paddle_model, None, os.path.join(tmp, f'paddle_{precision}'), precision,
                    threads, deleted_passes=PADDLE_DELETED_PASSES,
                    input_spec=ref.export_input_spec(input_hw))
            pipeline = PaddleDetPipeline(engine)
            key = f'paddle_inference:{precision}'
            outputs[key] = [pipeline(p) for p in paths]
            contenders.append(Contender(key, lambda i, f=pipeline: f(paths[i]), dict(
                engine.info(), part='end_to_end', inputs=sorted(engine.inputs))))
        example = torch.zeros(1, 3, *input_hw)
        for engine_name, precision in engines:
            key = f'{engine_name}:{precision}'
            log(f'ours: {key}' + (' (network alone)' if precision == 'int8' else ' end to end'))
            if precision == 'int8':  # NNCF quantises the network; NMS graphs are not quantised
                contenders += network_contenders(ours, engine_name, threads, network_inputs,
                                                 settings.calib_images, settings.calib_dir)
                continue
            try:
                engine = build_engine(task.end_to_end_module(ours), example, engine_name,
                                      precision, threads)
            except ValueError as e:  # e.g. bf16 on a CPU without it
                skipped[key] = str(e)
                log(f'ours: {key} skipped: {e}')
                continue
            pipeline = OursPipeline(engine, task)
            outputs[key] = [pipeline(p) for p in paths]
            contenders.append(Contender(key, lambda i, f=pipeline: f(paths[i]),
                                        dict(engine.info(), part='end_to_end')))
        log(f'race: {rounds} interleaved rounds of {len(contenders)} engines, {len(paths)} '
            f'images x {iters} timed calls each (after {warmup} untimed)')
        race(contenders, len(paths), rounds, warmup, iters, settle_s, progress=False)
    reference = outputs[f'paddle_inference:{paddle_precisions[0]}']
    results = {}
    for c in contenders:
        result = race_result(c)
        if c.key in outputs:
            agreement = [detections_agree(o, r) for o, r in zip(outputs[c.key], reference)]
            result['agreement'] = dict(
                images=len(agreement), images_agree=sum(a['agree'] for a in agreement),
                boxes=sum(a['count_paddle'] for a in agreement),
                boxes_matched=sum(a['matched'] for a in agreement), per_image=agreement)
            if c.key.startswith('paddle_inference:'):  # bf16 may silently run fp32
                result['identical_to_reference'] = all(
                    all(np.array_equal(o[k], r[k]) for k in r)
                    for o, r in zip(outputs[c.key], reference))
        results[c.key] = result
    base = results[f'paddle_inference:{paddle_precisions[0]}']['latency_ms']['median']
    paddle_params = sum(int(np.prod(p.shape)) for n, p in paddle_model.named_parameters()
                        if not p.stop_gradient and not n.endswith('scale_reg'))
    return dict(
        model=model.name, upstream=model.upstream, config=model.config,
        input_hw=list(input_hw), threads=threads, rounds=rounds, warmup=warmup,
        iters=iters, settle_s=settle_s, images=[os.path.relpath(p, root) for p in paths],
        nms_candidates_per_image=nms_candidates(task, ours, network_inputs),
        detections_per_image=[len(d['labels']) for d in reference],
        params=dict(ours=sum(p.numel() for p in ours.parameters()), paddle=paddle_params),
        results=results, skipped=skipped,
        speedup_vs_paddle={k: base / r['latency_ms']['median'] for k, r in results.items()},
        load_average=dict(before=list(load_before), after=list(os.getloadavg())),
        environment=environment(roofline_threads=threads))
