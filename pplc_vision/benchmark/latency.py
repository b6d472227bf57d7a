"""The latency harness: one way to time any engine, with the context that makes a figure honest.

Every result carries the engine, the precision, the thread count, the batch and input shape, the
statistics (median, p90, p99, min, max, mean in ms), the CPU and the library versions. Timing is
batch 1 by default, after a warm-up, with a fixed thread count; the numbers are per forward call.
"""
import dataclasses
import importlib.metadata
import platform
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch

from ..apis.checkpoint_fit import load_checkpoint_strict

VERSIONED_PACKAGES = ('torch', 'torchvision', 'onnxruntime', 'openvino', 'paddlepaddle', 'numpy',
                      'mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmsegmentation', 'timm',
                      'pplc_vision')
_CPU_FLAGS = ('avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_bf16', 'amx_int8')


@dataclasses.dataclass(frozen=True)
class LatencyStats:
    """Per-call latency statistics in milliseconds."""
    median: float
    p90: float
    p99: float
    min: float
    max: float
    mean: float
    iters: int

    @classmethod
    def from_times(cls, seconds: Sequence[float]) -> 'LatencyStats':
        ms = np.asarray(seconds, np.float64) * 1e3
        if ms.size == 0:
            raise ValueError('LatencyStats: no timings')
        return cls(median=float(np.median(ms)), p90=float(np.percentile(ms, 90)),
                   p99=float(np.percentile(ms, 99)), min=float(ms.min()), max=float(ms.max()),
                   mean=float(ms.mean()), iters=int(ms.size))


def time_calls(fn: Callable[[], Any], warmup: int = 50, iters: int = 300,
               progress: Optional[bool] = None, desc: str = 'latency') -> LatencyStats:
    """Call ``fn`` ``warmup`` times untimed, then ``iters`` times timed one by one.

    ``progress=None`` shows a progress bar (on stderr) when there are more than 200 calls.
    """
    if warmup < 0 or iters < 1:
        raise ValueError(f'time_calls: need warmup >= 0 and iters >= 1, got {warmup}, {iters}')
    if progress is None:
        progress = warmup + iters > 200
    from tqdm import tqdm
    with tqdm(total=warmup + iters, desc=desc, disable=not progress, leave=False,
              unit='call') as bar:
        for _ in range(warmup):
            fn()
            bar.update()
        times: List[float] = []
        for _ in range(iters):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
            bar.update()
    return LatencyStats.from_times(times)


def cpu_description() -> Dict[str, Any]:
    """The CPU model, core counts and the instruction-set extensions that matter for inference."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    model = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
                    break
    except OSError:
        pass
    import os
    return dict(model=model, logical_cpus=os.cpu_count(),
                usable_cpus=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')
                else os.cpu_count(),
                flags=[f for f in _CPU_FLAGS if f in flags])


def library_versions(packages: Sequence[str] = VERSIONED_PACKAGES) -> Dict[str, Optional[str]]:
    """Installed versions (``None`` where a package is absent), read without importing them."""
    versions = {'python': platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def environment() -> Dict[str, Any]:
    """What the result depends on besides the model: CPU, libraries, torch's thread count."""
    return dict(cpu=cpu_description(), versions=library_versions(),
                torch_threads=torch.get_num_threads())


def time_engine(engine: Callable[[np.ndarray], Any], inputs: np.ndarray, warmup: int = 50,
                iters: int = 300, progress: Optional[bool] = None) -> Dict[str, Any]:
    """Time ``engine(inputs)``; returns the engine's description, the shape and the statistics.

    ``engine`` is an :class:`~pplc_vision.deploy.engines.InferenceEngine` (its ``info()`` gives
    the engine name, precision and threads) or any callable with the same contract.
    """
    info = engine.info() if hasattr(engine, 'info') else {}
    if 'precision' not in info:
        raise ValueError('time_engine: the engine does not state its precision; every latency '
                         'figure must carry one')
    stats = time_calls(lambda: engine(inputs), warmup, iters, progress,
                       desc=f"{info.get('engine', 'engine')} {info['precision']}")
    return dict(info, batch=int(inputs.shape[0]), input_shape=list(inputs.shape),
                warmup=warmup, latency_ms=dataclasses.asdict(stats))


# ----------------------------------------------------------------------------------------------
# A model of a config, timed on one engine: what tools/analysis_tools/latency.py runs.
TASKS = {'mmpretrain': 'cls', 'mmdet': 'det', 'mmseg': 'seg'}
DRIFT_DATA = ('photos', 'config')


def task_of(cfg) -> str:
    """``cls``, ``det`` or ``seg`` from a config's ``default_scope``."""
    scope = cfg.get('default_scope')
    if scope not in TASKS:
        raise ValueError(f'config {cfg.filename}: default_scope {scope!r} is not one of '
                         f'{sorted(TASKS)}')
    return TASKS[scope]


def check_input_shape(module: torch.nn.Module, shape: Sequence[int], name: str) -> None:
    """Run ``module`` once on zeros of ``shape``; a failure becomes a one-line error."""
    if len(shape) != 4 or any(int(s) < 1 for s in shape):
        raise ValueError(f'{name}: input shape must be 4 positive sizes (N, C, H, W), '
                         f'got {tuple(shape)}')
    try:
        with torch.no_grad():
            module(torch.zeros(*shape))
    except Exception as e:  # the model's own error, whatever its type
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f'{name} cannot take input shape {tuple(shape)} '
                         f'(H x W = {shape[2]} x {shape[3]}): {type(e).__name__}: '
                         f'{first}') from None


def benchmark_config(config: str,
                     checkpoint: Optional[str] = None,
                     shape: Sequence[int] = (224, 224),
                     threads: int = 2,
                     engine: str = 'pytorch',
                     precision: str = 'fp32',
                     batch: int = 1,
                     warmup: int = 50,
                     iters: int = 300,
                     fuse: bool = True,
                     calib_dir: Optional[str] = None,
                     calib_images: int = 64,
                     drift_images: int = 32,
                     drift_data: str = 'photos',
                     end_to_end: bool = True,
                     progress: Optional[bool] = None,
                     workdir: Optional[str] = None) -> Dict[str, Any]:
    """Time the network of ``config`` on one engine at one precision, with its output drift.

    Without a checkpoint the network keeps random weights whose BatchNorm statistics are
    estimated on real images (see :func:`~pplc_vision.deploy.quantize.recalibrate_batchnorm`),
    so that activations are realistic; the result says so under ``weights``. Drift is measured
    against eager PyTorch fp32 on ``drift_images`` real images: with ``drift_data='photos'``
    random crops of ``calib_dir`` (scikit-image's photos by default), with ``'config'`` the
    config's test dataset (and int8 calibrates on its train dataset; classifiers also report
    top-1 accuracy against the labels). For detection and
    segmentation configs with ``end_to_end=True``, the eager model is also timed end to end
    (test pipeline with resize, normalisation, network, NMS or result resizing).
    """
    from ..apis import build_model_from_config, load_config
    from ..deploy.engines import as_tensor_module, check_engine
    from ..deploy.quantize import (load_images, preprocessor_mean_std, random_crops,
                                   recalibrate_batchnorm)
    from .dataset_inputs import config_dataset_inputs
    check_engine(engine, precision)
    if drift_data not in DRIFT_DATA:
        raise ValueError(f'drift data must be one of {DRIFT_DATA}, got {drift_data!r}')
    if threads < 1 or batch < 1:
        raise ValueError(f'threads and batch must be >= 1, got threads={threads}, batch={batch}')
    cfg = load_config(config)
    task = task_of(cfg)
    if task in ('det', 'seg') and end_to_end and precision == 'int8':
        raise ValueError(f'{config}: int8 is timed for the network alone here: add '
                         f'--network-only (end to end runs fp32 or bf16)')
    torch.set_num_threads(threads)
    model = build_model_from_config(cfg)
    network = as_tensor_module(model)
    network.eval()
    input_shape = (batch, 3, int(shape[0]), int(shape[1]))
    check_input_shape(network, (1, ) + input_shape[1:], config)

    images = load_images(calib_dir)
    mean, std = preprocessor_mean_std(model)
    size = (input_shape[2], input_shape[3])
    if drift_data == 'config':
        calibration, _ = config_dataset_inputs(cfg, model, 'train', calib_images, size)
        drift_set, labels = config_dataset_inputs(cfg, model, 'test', drift_images, size)
        drift_set, labels = _whole_batches(drift_set, labels, batch)
        drift_from = f'{config}: {len(drift_set)} test images; calibration: train images'
    else:
        calibration = random_crops(images, calib_images, size, mean, std, seed=0)
        drift_set = random_crops(images, max(drift_images // batch, 1) * batch, size, mean,
                                 std, seed=1)
        labels = None
        drift_from = (f'{len(drift_set)} random crops of '
                      f'{calib_dir or "scikit-image photos"}')
    if checkpoint is not None:
        load_checkpoint_strict(model, checkpoint, config)
        weights = checkpoint
    else:
        recalibrate_batchnorm(network, [torch.from_numpy(calibration[i:i + 16])
                                        for i in range(0, len(calibration), 16)])
        weights = 'random, BatchNorm statistics estimated on real images (no checkpoint)'
    model.eval()

    result = benchmark_model(model, drift_set, engine, precision, threads, warmup, iters,
                             calibration=calibration, fuse=fuse, batch=batch,
                             progress=progress, workdir=workdir, labels=labels)
    result['drift_images_from'] = drift_from
    parts = [result]
    if task in ('det', 'seg') and end_to_end:
        raw = random_crops(images, batch, size, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), seed=2)
        if task == 'seg':
            raw = np.ascontiguousarray(raw[:, ::-1])  # mmseg wrappers take BGR like cv2
        parts.append(time_deployed_end_to_end(model, task, raw, engine, precision, threads,
                                              warmup, iters, fuse=fuse, progress=progress))
        parts.append(time_end_to_end(model, cfg, images[0], threads, warmup, iters, fuse,
                                     progress))
    return dict(config=config, task=task, weights=weights, threads=threads,
                results=parts, environment=environment())



def benchmark_model(model: torch.nn.Module,
                    images: np.ndarray,
                    engine: str = 'pytorch',
                    precision: str = 'fp32',
                    threads: int = 2,
                    warmup: int = 50,
                    iters: int = 300,
                    calibration: Optional[np.ndarray] = None,
                    fuse: bool = True,
                    batch: int = 1,
                    progress: Optional[bool] = None,
                    workdir: Optional[str] = None,
                    labels: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """Time the network of ``model`` on one engine; its drift against eager PyTorch fp32 on
    ``images`` (preprocessed real images, float32 ``(N, 3, H, W)``) comes with the figure, and
    with ``labels`` (classifiers) the top-1 accuracy of both."""
    from ..deploy.engines import PyTorchEngine, as_tensor_module, build_engine, measure_drift, \
        run_batches
    torch.set_num_threads(threads)
    network = as_tensor_module(model)
    network.eval()
    run = build_engine(network, torch.from_numpy(images[:batch]), engine, precision, threads,
                       workdir=workdir, calibration=calibration, fuse=fuse)
    reference = run_batches(PyTorchEngine(network, 'fp32', fuse=False), images, batch)
    outputs = run_batches(run, images, batch)
    drift = measure_drift(reference, outputs)
    torch.set_num_threads(threads)
    result = time_engine(run, np.ascontiguousarray(images[:batch]), warmup, iters, progress)
    result.update(part='network', drift_vs_pytorch_fp32=dataclasses.asdict(drift))
    if labels is not None:
        result['top1_accuracy'] = {
            'pytorch_fp32': float((reference[0].argmax(1) == labels).mean()),
            f'{engine}_{precision}': float((outputs[0].argmax(1) == labels).mean())}
    return result


def _whole_batches(images: np.ndarray, labels: Optional[np.ndarray], batch: int):
    """Drop the last images that do not fill a batch (at least one batch is kept)."""
    if len(images) < batch:
        raise ValueError(f'{len(images)} drift images are fewer than the batch {batch}')
    usable = len(images) // batch * batch
    return images[:usable], None if labels is None else labels[:usable]


def end_to_end_module(model: torch.nn.Module, task: str) -> torch.nn.Module:
    """The deployable end-to-end module of a detector (network + decoding + NMS, RGB 0..255 in)
    or a segmenter (network + logits resized to the input + argmax, BGR 0..255 in)."""
    if task == 'det':
        from ..deploy.detection import DetectorExportWrapper
        return DetectorExportWrapper(model, with_nms=True)
    if task == 'seg':
        from ..deploy.segmentation import SegmentorExportWrapper
        return SegmentorExportWrapper(model, output='labels')
    raise ValueError(f'end_to_end_module: no end-to-end module for task {task!r}')


def time_deployed_end_to_end(model: torch.nn.Module, task: str, images: np.ndarray,
                             engine: str, precision: str, threads: int, warmup: int,
                             iters: int, fuse: bool = True, progress: Optional[bool] = None
                             ) -> Dict[str, Any]:
    """Time :func:`end_to_end_module` on ``engine``: ``images`` are resized, unnormalised
    0..255 images (batch 1 for detectors: NMS is in the graph)."""
    from ..deploy.engines import build_engine
    module = end_to_end_module(model, task)
    if precision == 'int8':
        raise ValueError('end-to-end int8 is not supported: time the network alone '
                         '(--network-only) or use fp32/bf16')
    run = build_engine(module, torch.from_numpy(images), engine, precision, threads, fuse=fuse)
    result = time_engine(run, images, warmup, iters, progress)
    result.update(part='end_to_end',
                  includes='decoding+nms' if task == 'det' else 'logits resize+argmax')
    return result


def end_to_end_step(model: torch.nn.Module, cfg, image: np.ndarray) -> Callable[[], Any]:
    """One end-to-end inference of an OpenMMLab detector or segmenter on an RGB ``image``:
    the config's test pipeline (resize, packing), then ``test_step`` (normalisation, network,
    NMS or resizing of the logits to the image)."""
    import copy
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope
    pipeline = cfg.get('test_pipeline') or cfg.test_dataloader.dataset.pipeline
    steps = [t for t in copy.deepcopy(pipeline) if 'Annotations' not in t['type']]
    if not steps or 'LoadImage' not in steps[0]['type']:
        raise ValueError(f'config {cfg.filename}: the test pipeline should start with an image '
                         f'loader, got {steps[:1]}')
    steps[0] = dict(type='LoadImageFromNDArray')
    init_default_scope(cfg.default_scope)
    compose = Compose(steps)
    bgr = np.ascontiguousarray(image[:, :, ::-1])  # OpenMMLab pipelines take BGR like cv2

    def step():
        data = pseudo_collate([compose(dict(img=bgr.copy()))])
        with torch.no_grad():
            return model.test_step(data)

    return step


def time_end_to_end(model: torch.nn.Module, cfg, image: np.ndarray, threads: int,
                    warmup: int, iters: int, fuse: bool = True,
                    progress: Optional[bool] = None) -> Dict[str, Any]:
    """Time :func:`end_to_end_step` in eager PyTorch fp32 (when ``fuse``: BN folded, then each
    convolution and its activation as one oneDNN call)."""
    from ..deploy.fuse import deploy_model
    from ..deploy.onednn import fuse_conv_activation
    deployed, _, folded = deploy_model(model) if fuse else (model, 0, 0)
    deployed.eval()
    onednn_convs = fuse_conv_activation(deployed) if fuse else 0
    torch.set_num_threads(threads)
    step = end_to_end_step(deployed, cfg, image)
    stats = time_calls(step, warmup, iters, progress, desc='end to end')
    return dict(part='pipeline', engine='pytorch', precision='fp32', threads=threads,
                includes='test pipeline (image resize) + normalisation + network + '
                'NMS or logits resize, eager',
                fused=fuse, folded_batchnorms=folded, onednn_fused_convs=onednn_convs, batch=1,
                image_shape=list(image.shape), warmup=warmup,
                latency_ms=dataclasses.asdict(stats))


def format_result(report: Dict[str, Any]) -> str:
    """A few human-readable lines: one per timed part, precision always shown."""
    cpu = report['environment']['cpu']
    lines = [f"{report['config']} ({report['task']}), weights: {report['weights']}",
             f"CPU: {cpu['model']} ({cpu['usable_cpus']} usable), threads: {report['threads']}"]
    for part in report['results']:
        ms = part['latency_ms']
        line = (f"{part['part']:>10} | {part['engine']} {part['precision']} | batch "
                f"{part['batch']} | median {ms['median']:.3f} ms, p90 {ms['p90']:.3f}, "
                f"p99 {ms['p99']:.3f}, min {ms['min']:.3f}, max {ms['max']:.3f} "
                f"({ms['iters']} runs)")
        drift = part.get('drift_vs_pytorch_fp32')
        if drift:
            line += f" | rel. error vs fp32 {drift['relative_error']:.2e}"
            if drift['top1_agreement'] is not None:
                line += (f", top-1 agreement {100 * drift['top1_agreement']:.2f}% on "
                         f"{drift['images']} images")
        accuracy = part.get('top1_accuracy')
        if accuracy:
            line += ' | top-1 accuracy ' + ', '.join(f'{k} {100 * v:.2f}%'
                                                     for k, v in accuracy.items())
        lines.append(line)
    return '\n'.join(lines)


def write_json(report: Dict[str, Any], path: str) -> None:
    """Write ``report`` as indented JSON, atomically (temporary file, then rename)."""
    import json
    import os
    import tempfile
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.json', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(report, f, indent=2)
            f.write('\n')
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
