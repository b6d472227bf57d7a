"""The reference run: PaddleClas' PPLCNet on Paddle Inference + oneDNN against our engines, with
the same weights, raced in interleaved rounds in one process, each of ours against Paddle at
the same precision."""
import tempfile
from typing import Any, Dict, Optional, Sequence, Tuple

import torch

from ..converters import build_pplcnet_classifier, convert_paddle_pplcnet
from ..deploy.calibration import load_images, random_crops
from ..deploy.engines import PyTorchEngine
from ..references.paddleclas import build_paddle_pplcnet
from .complexity import measure_complexity
from .drift import run_batches
from .machine import environment
from .model_latency import model_contender
from .paddle_race import (SETTLE_S, add_achieved, our_contenders, paddle_contenders,
                          race_until_settled, same_precision_speedups)
from .settings import Settings
from .timing import race_result

INPUT_HW = (224, 224)
PADDLE_PRECISIONS = ('fp32', 'bf16', 'int8')


def paddle_comparison(engines: Sequence[Tuple[str, str]],
                      settings: Settings = Settings(warmup=50, iters=200),
                      scale: float = 1.0,
                      workdir: Optional[str] = None,
                      paddle_precisions: Sequence[str] = PADDLE_PRECISIONS,
                      settle_s: float = SETTLE_S) -> Dict[str, Any]:
    """PaddleClas' PPLCNet on Paddle Inference + oneDNN (each of ``paddle_precisions``, fp32
    first) against our ``engines`` (``(engine, precision)`` pairs; PyTorch fp32 fused and unfused
    always), same weights, 224x224, batch 1.

    The Paddle model's BatchNorm statistics are estimated on real images and its weights are
    converted into our classifier. Every contender is built first, then all are timed in
    ``rounds`` interleaved rounds (order rotated, ``settle_s`` pause before each: Paddle's
    OpenMP threads spin after a run), ``warmup`` untimed and ``iters`` timed calls each per
    round (``settings``' totals spread over its rounds), and more rounds while Paddle's round
    medians spread past 20% (up to ``settings.max_rounds``:
    :func:`~.paddle_race.race_until_settled`). Each of ours gets its speed-up over Paddle at its own precision, or the reason there
    is none; a contender that cannot run here is listed in ``skipped``. Raises
    ``EngineNotInstalled`` without paddle; paddle must have been imported before torch.
    """
    threads, rounds, log = settings.threads, settings.rounds, settings.log
    warmup, iters = settings.round_warmup, settings.round_iters
    env = environment(roofline_threads=threads)  # before any engine: nothing else runs
    images = load_images(settings.calib_dir)
    calibration = random_crops(images, 32, INPUT_HW, seed=0)
    drift = random_crops(images, 8, INPUT_HW, seed=1)
    paddle_model = build_paddle_pplcnet(scale, calibration)
    params = {k: v.numpy() for k, v in paddle_model.state_dict().items()}
    ours = build_pplcnet_classifier(scale)
    ours.load_state_dict(convert_paddle_pplcnet(params), strict=True)
    ours.eval()
    macs = measure_complexity(ours, (3, *INPUT_HW)).macs
    torch.set_num_threads(threads)
    reference = run_batches(PyTorchEngine(ours, 'fp32', fuse=False), drift)
    with tempfile.TemporaryDirectory(prefix='pplc_paddle_') as tmp:
        log(f'Paddle Inference (oneDNN) PPLCNet x{scale}: {", ".join(paddle_precisions)}')
        contenders, skipped = paddle_contenders(
            paddle_model, (1, 3, *INPUT_HW), drift, reference, workdir or tmp,
            paddle_precisions, threads)
        specs = list(dict.fromkeys(list(engines) + [('pytorch', 'fp32')]))
        contenders += our_contenders(ours, drift, specs, threads, skipped, log, calibration)
        log('ours: pytorch fp32, BN not fused')
        contenders.append(model_contender(ours, drift, 'pytorch', 'fp32', threads, fuse=False,
                                          key='pytorch:fp32:unfused'))
        log(f'race: {rounds} interleaved rounds of {len(contenders)} engines, {warmup} untimed '
            f'and {iters} timed calls each per round, {settle_s:g} s pause before each')
        ran = race_until_settled(contenders, rounds, warmup, iters, settle_s,
                                 settings.max_rounds, log)
    results = {c.key: race_result(c) for c in contenders}
    add_achieved(results, macs, env.get('roofline'))
    fused_gain = (results['pytorch:fp32:unfused']['latency_ms']['median'] /
                  results['pytorch:fp32']['latency_ms']['median'])
    return dict(scale=scale, threads=threads, rounds=ran, planned_rounds=rounds,
                max_rounds=settings.max_rounds, warmup=warmup, iters=iters,
                settle_s=settle_s, macs=macs, results=results, skipped=skipped,
                speedup_vs_paddle=same_precision_speedups(results, skipped),
                fused_over_unfused_speedup=fused_gain, environment=env)

