"""The reference run: PaddleClas' PPLCNet on Paddle Inference + oneDNN against our engines, with
the same weights, timed in one process."""
import dataclasses
import tempfile
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from ..converters import build_pplcnet_classifier, convert_paddle_pplcnet
from ..deploy.calibration import load_images, random_crops
from ..deploy.engines import PaddleInferenceEngine, PyTorchEngine, build_paddle_pplcnet
from .drift import measure_drift, run_batches
from .machine import environment
from .model_latency import benchmark_model
from .timing import time_engine

INPUT_HW = (224, 224)


def paddle_comparison(engines: Sequence[Tuple[str, str]],
                      threads: int = 2,
                      warmup: int = 30,
                      iters: int = 200,
                      scale: float = 1.0,
                      calib_dir: Optional[str] = None,
                      workdir: Optional[str] = None,
                      log: Callable[[str], None] = print) -> Dict[str, Any]:
    """PaddleClas' PPLCNet on Paddle Inference + oneDNN against our engines, same weights.

    The Paddle model's BatchNorm statistics are estimated on real images, its weights are
    converted into our classifier, and both are timed in this one call at 224x224, batch 1; also
    our eager model fused and unfused. Raises ``EngineNotInstalled`` without paddle; paddle must
    have been imported before torch (see ``PaddleInferenceEngine``).
    """
    images = load_images(calib_dir)
    calibration = random_crops(images, 32, INPUT_HW, seed=0)
    drift = random_crops(images, 8, INPUT_HW, seed=1)
    paddle_model = build_paddle_pplcnet(scale, calibration)
    params = {k: v.numpy() for k, v in paddle_model.state_dict().items()}
    ours = build_pplcnet_classifier(scale)
    ours.load_state_dict(convert_paddle_pplcnet(params), strict=True)
    ours.eval()
    results = {}
    for engine, precision in list(engines) + [('pytorch', 'fp32')]:
        log(f'ours: {engine} {precision}')
        results[f'{engine}:{precision}'] = benchmark_model(
            ours, drift, engine, precision, threads, warmup, iters, calibration=calibration)
    log('ours: pytorch fp32, BN not fused')
    results['pytorch:fp32:unfused'] = benchmark_model(ours, drift, 'pytorch', 'fp32', threads,
                                                      warmup, iters, fuse=False)
    # Paddle last: its OpenMP threads spin after each run and would slow engines timed after it
    reference = run_batches(PyTorchEngine(ours, 'fp32', fuse=False), drift)
    with tempfile.TemporaryDirectory(prefix='pplc_paddle_') as tmp:
        log(f'Paddle Inference (oneDNN) PPLCNet x{scale}')
        paddle_engine = PaddleInferenceEngine(paddle_model, (1, 3, *INPUT_HW), workdir or tmp,
                                              'fp32', threads)
        paddle = time_engine(paddle_engine, drift[:1], warmup, iters)
        paddle['drift_vs_pytorch_fp32'] = dataclasses.asdict(
            measure_drift(reference, run_batches(paddle_engine, drift)))
    results = {'paddle_inference:fp32': paddle, **results}
    base = paddle['latency_ms']['median']
    speedups = {k: base / v['latency_ms']['median'] for k, v in results.items()}
    fused_gain = (results['pytorch:fp32:unfused']['latency_ms']['median'] /
                  results['pytorch:fp32']['latency_ms']['median'])
    return dict(scale=scale, threads=threads, results=results, speedup_vs_paddle=speedups,
                fused_over_unfused_speedup=fused_gain, environment=environment())
