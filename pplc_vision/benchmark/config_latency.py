"""A config's network timed on one engine: what ``tools/analysis_tools/latency.py`` runs.

The network is built from the config (a checkpoint, or random weights with BatchNorm statistics
from real images), its drift against eager fp32 is measured on real images, and detectors and
segmenters are also timed end to end (:mod:`pplc_vision.benchmark.end_to_end`).
"""
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from ..apis import load_config
from ..converters.checkpoint_fit import load_checkpoint_strict
from ..deploy.calibration import (load_images, preprocessor_mean_std, random_crops,
                                  recalibrate_batchnorm)
from ..deploy.dataset_inputs import config_dataset_inputs
from ..deploy.engines import AUTO, as_tensor_module, build_fastest_engine, check_engine
from ..deploy.tasks import task_for
from .complexity import measure_complexity
from .end_to_end import deployed_end_to_end_contender, pipeline_contender
from .machine import environment
from .model_latency import model_contender
from .roofline import achieved
from .settings import Settings
from .timing import race, race_result

DRIFT_DATA = ('photos', 'config')


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


def _whole_batches(images: np.ndarray, labels: Optional[np.ndarray], batch: int
                   ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Drop the last images that do not fill a batch (at least one batch is kept)."""
    if len(images) < batch:
        raise ValueError(f'{len(images)} drift images are fewer than the batch {batch}')
    usable = len(images) // batch * batch
    return images[:usable], None if labels is None else labels[:usable]


def benchmark_config(config: str,
                     settings: Settings = Settings(warmup=50, iters=300, drift_images=32,
                                                   calib_images=64),
                     checkpoint: Optional[str] = None,
                     shape: Sequence[int] = (224, 224),
                     engine: str = 'pytorch',
                     batch: int = 1,
                     fuse: bool = True,
                     drift_data: str = 'photos',
                     end_to_end: bool = True,
                     progress: Optional[bool] = None,
                     workdir: Optional[str] = None) -> Dict[str, Any]:
    """Time the network of ``config`` on one engine at one precision, with its output drift.

    ``settings`` gives the threads, precision, rounds, calls and the real images. Without a
    checkpoint the network keeps random weights whose BatchNorm statistics are
    estimated on real images (see :func:`~pplc_vision.deploy.calibration.recalibrate_batchnorm`),
    so that activations are realistic; the result says so under ``weights``. Drift is measured
    against eager PyTorch fp32 on ``drift_images`` real images: with ``drift_data='photos'``
    random crops of ``calib_dir`` (scikit-image's photos by default), with ``'config'`` the
    config's test dataset (and int8 calibrates on its train dataset; classifiers also report
    top-1 accuracy against the labels). For detection and
    segmentation configs with ``end_to_end=True``, the deployed end-to-end module (with NMS or
    result resizing) and the eager model end to end (test pipeline with resize, normalisation,
    network, NMS or result resizing) are timed too. All parts are built first, then timed in
    ``rounds`` interleaved rounds (``warmup`` and ``iters`` spread over them); each result
    carries the spread of its round medians (``rounds_ms``) and the environment carries the
    same run's GEMM roofline. ``engine='auto'`` races the engines that run ``precision`` first
    (:func:`~pplc_vision.deploy.engines.build_fastest_engine`) and times the fastest; the
    report's ``engine_choice`` says which and by what margin.
    """
    threads, precision = settings.threads, settings.precision
    calib_dir, calib_images, drift_images = (settings.calib_dir, settings.calib_images,
                                             settings.drift_images)
    if engine != AUTO:
        check_engine(engine, precision)
    if drift_data not in DRIFT_DATA:
        raise ValueError(f'drift data must be one of {DRIFT_DATA}, got {drift_data!r}')
    if batch < 1:
        raise ValueError(f'batch must be >= 1, got {batch}')
    cfg = load_config(config)
    task = task_for(cfg)
    model = task.build_model()
    end_to_end = end_to_end and bool(task.end_to_end_includes)  # detection, segmentation
    if end_to_end and precision == 'int8':
        raise ValueError(f'{config}: int8 is timed for the network alone here: add '
                         f'--network-only (end to end runs fp32 or bf16)')
    torch.set_num_threads(threads)
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

    env = environment(roofline_threads=threads)
    built, choice = None, None
    if engine == AUTO:
        built, choice = build_fastest_engine(network, torch.from_numpy(drift_set[:batch]),
                                             precision, threads, workdir, calibration, fuse)
        engine = choice.engine
    contenders = [model_contender(model, drift_set, engine, precision, threads, calibration,
                                  fuse, batch, workdir, labels, built=built)]
    contenders[0].info['drift_images_from'] = drift_from
    if end_to_end:
        raw = random_crops(images, batch, size, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), seed=2)
        raw = np.ascontiguousarray(raw[:, ::-1])  # exported graphs take BGR, as cv2 reads
        contenders.append(deployed_end_to_end_contender(model, task, raw, engine, precision,
                                                        threads, fuse=fuse))
        contenders.append(pipeline_contender(model, task, images[0], threads, fuse))
    race(contenders, 1, settings.rounds, settings.round_warmup, settings.round_iters,
         progress=progress)
    parts = [dict(race_result(c), warmup=settings.warmup) for c in contenders]
    macs = measure_complexity(model, input_shape[1:]).macs_m * 1e6
    parts[0]['achieved'] = achieved(macs, parts[0]['latency_ms']['median'], precision,
                                    env['roofline'], batch)
    parts[0]['macs_per_image'] = macs
    report = dict(config=config, task=task.name, weights=weights, threads=threads,
                  rounds=settings.rounds, results=parts, environment=env)
    if choice is not None:
        report['engine_choice'] = choice.as_dict()
    return report
