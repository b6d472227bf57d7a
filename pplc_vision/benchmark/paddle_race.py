"""Paddle Inference raced against our engines: Paddle's contenders (one per precision, each with
its drift from PyTorch fp32 and, below fp32, whether it really ran below fp32) and the speed-up
of each of ours over Paddle at the same precision.

Shared by the PP-LCNet (:mod:`.paddle_compare`) and DeepLabV3+ (:mod:`.paddleseg_compare`)
comparisons; imports no other comparison module (``paddledet_compare`` imports
``paddleseg_compare``).
"""
import dataclasses
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..deploy.engines import PaddleInferenceEngine
from .drift import measure_drift, run_batches
from .model_latency import model_contender
from .roofline import achieved
from .timing import Contender, race, round_spread

PADDLE = 'paddle_inference'
# Paddle's OpenMP runtime (libiomp5) keeps its threads spinning 200 ms (KMP_BLOCKTIME) after
# each run; in a race the next engine waits this long before it starts, so that they do not
# share cores.
SETTLE_S = 0.3
# A baseline whose round medians spread (p10 to p90) by more than this fraction of their median
# cannot carry one speed-up: the ratio is also given as a range (issue 33: Paddle fp32 at
# 3.68 ms, p10-p90 2.21-4.39, on a shared 2-core EPYC).
SPREAD_LIMIT = 0.2
# Before that, the race gets more rounds, one at a time while a Paddle baseline's round medians
# spread past SPREAD_LIMIT, up to this many in all by default (reproduce_tables.py --max-rounds).
MAX_ROUNDS = 15
# paddlepaddle 3.3.1 cannot run bilinear_interp on its oneDNN kernel ("ConvertPirAttribute2
# RuntimeAttribute not support [pir::ArrayAttribute<pir::DoubleAttribute>]"), and DeepLabV3P
# upsamples twice: the pass that places every op on oneDNN kernels is left out; oneDNN stays
# enabled, with its fusion passes (conv + BN + activation).
PADDLE_DELETED_PASSES = ('onednn_placement_pass', )
# Found with paddlepaddle 3.3.1 (the version tools/setup_env.sh pins), each route tried here.
PADDLE_INT8_UNAVAILABLE = (
    'no offline int8 model runs on Paddle Inference + oneDNN with paddlepaddle 3.3.1: (1) its '
    'pipeline for paddle.jit.save models (PIR, .json) has oneDNN fp32 and bf16 passes only: '
    'enable_mkldnn_int8 adds none, and its first passes (delete_quant_dequant_linear_op_pass, '
    'delete_weight_dequant_linear_op_pass) strip quantize/dequantize ops; the oneDNN int8 passes '
    '(cpu_quantize_pass, quant2_int8) belong to the legacy-IR pipeline (.pdmodel). (2) No '
    "legacy-IR model can be made: paddle.jit.save of PaddleClas' PPLCNet with the legacy IR "
    "(FLAGS_enable_pir_api=0) fails in dy2static ('multiply(): argument (position 1) must be "
    "Value, but got Variable'), and paddle.static.quantization.PostTrainingQuantization takes "
    'legacy programs only (AssertionError in _get_var on the PIR program). (3) Dygraph '
    'post-training quantisation (paddle.quantization.PTQ, abs-max observers) saved by '
    "paddle.jit.save does not load ('Tensor holds no memory': quantize_linear's state tensors "
    'are not saved). PaddleSlim 2.6.0 quantises through the same legacy static programs and '
    'pins opencv-python==4.6.0.66 (a downgrade); it is not installed.')


def paddle_contenders(layer, example_shape: Sequence[int], images: np.ndarray,
                      reference: Sequence[np.ndarray], workdir: str,
                      precisions: Sequence[str], threads: int,
                      deleted_passes: Sequence[str] = ()
                      ) -> Tuple[List[Contender], Dict[str, str]]:
    """Paddle Inference + oneDNN over ``layer`` at each of ``precisions`` (fp32 first): one
    contender each, running ``images[:1]``, with its drift from ``reference`` (PyTorch fp32 on
    ``images``); below fp32, ``identical_to_reference`` says whether its outputs equal Paddle
    fp32's bit for bit (oneDNN bf16 falls back to fp32 kernels without a word on CPUs without
    bf16). int8 is returned in the skipped map with :data:`PADDLE_INT8_UNAVAILABLE`."""
    if not precisions or precisions[0] != 'fp32':
        raise ValueError(f'paddle precisions must start with fp32 (the reference), got '
                         f'{list(precisions)}')
    contenders: List[Contender] = []
    skipped: Dict[str, str] = {}
    inputs = np.ascontiguousarray(images[:1])
    fp32_outputs: List[np.ndarray] = []
    for precision in precisions:
        key = f'{PADDLE}:{precision}'
        if precision == 'int8':
            skipped[key] = PADDLE_INT8_UNAVAILABLE
            continue
        engine = PaddleInferenceEngine(layer, example_shape, os.path.join(workdir, precision),
                                       precision, threads, deleted_passes=deleted_passes)
        outputs = run_batches(engine, images)
        info = dict(engine.info(), part='network', batch=1, input_shape=list(inputs.shape),
                    drift_vs_pytorch_fp32=dataclasses.asdict(measure_drift(reference, outputs)))
        if precision == 'fp32':
            fp32_outputs = outputs
        else:
            info['identical_to_reference'] = all(
                np.array_equal(o, r) for o, r in zip(outputs, fp32_outputs))
        contenders.append(Contender(key, lambda i, e=engine: e(inputs), info))
    return contenders, skipped


def spread_of(rounds_ms: Dict[str, Any]) -> float:
    """The p10-p90 width of round medians (:func:`~.timing.round_spread`) over their median."""
    return (rounds_ms['p90'] - rounds_ms['p10']) / rounds_ms['median']


def too_spread(rounds_ms: Dict[str, Any]) -> bool:
    """Whether round medians spread past :data:`SPREAD_LIMIT` (20% itself carries: p10/p90 of
    0.9/1.1 x median)."""
    return round(spread_of(rounds_ms), 9) > SPREAD_LIMIT


def race_until_settled(contenders: Sequence[Contender], rounds: int, warmup: int, iters: int,
                       settle_s: float, max_rounds: int,
                       log: Callable[[str], None] = print) -> int:
    """:func:`~.timing.race` ``contenders`` in ``rounds`` interleaved rounds, then one more
    round of all of them at a time while a Paddle baseline's round medians spread past
    :data:`SPREAD_LIMIT` (:func:`too_spread`), up to ``max_rounds`` in all; the rounds run."""
    race(contenders, 1, rounds, warmup, iters, settle_s)
    baselines = [c for c in contenders if c.key.startswith(PADDLE)]
    done = rounds
    while done < max_rounds:
        spread = [c for c in baselines if len(c.round_medians) > 1 and
                  too_spread(round_spread(c.round_medians))]
        if not spread:
            break
        spreads = ', '.join(f'{c.key} {100 * spread_of(round_spread(c.round_medians)):.0f}%'
                            for c in spread)
        log(f'round medians spread past {100 * SPREAD_LIMIT:.0f}% of the median ({spreads}): '
            f'round {done + 1} of at most {max_rounds}')
        race(contenders, 1, 1, warmup, iters, settle_s, first_round=done)
        done += 1
    return done


def speedup_range(baseline: Dict[str, Any], ours: Dict[str, Any]) -> Dict[str, Any]:
    """Where the baseline's round medians spread by more than :data:`SPREAD_LIMIT` of their
    median (p10 to p90), the speed-up as a range: the baseline's p10 over our p90 to its p90
    over our p10 (``speedup_range``), with that spread (``baseline_spread``); else nothing."""
    b, o = baseline.get('rounds_ms'), ours.get('rounds_ms')
    if not b or not o or b['rounds'] < 2 or o['rounds'] < 2:
        return {}
    if not too_spread(b):
        return {}
    return dict(speedup_range=[b['p10'] / o['p90'], b['p90'] / o['p10']],
                baseline_spread=spread_of(b))


def same_precision_speedups(results: Dict[str, Dict[str, Any]], skipped: Dict[str, str]
                            ) -> Dict[str, Dict[str, Any]]:
    """For each of our results (keys not starting with ``paddle_inference``), its speed-up over
    Paddle Inference at its own precision: ``{'paddle': key, 'speedup': x,
    'baseline_ran_as_fp32': bool}`` (true when Paddle's lower precision gave fp32's outputs), or
    ``{'paddle': key, 'speedup': None, 'missing': why}`` when Paddle has no figure at that
    precision (never a figure at another precision); a speed-up over a baseline too spread out
    to carry one ratio also comes as a range (:func:`speedup_range`)."""
    out: Dict[str, Dict[str, Any]] = {}
    for key, r in results.items():
        if key.startswith(PADDLE):
            continue
        base = f"{PADDLE}:{r['precision']}"
        if base in results:
            out[key] = dict(paddle=base, speedup=results[base]['latency_ms']['median'] /
                            r['latency_ms']['median'],
                            baseline_ran_as_fp32=bool(results[base].get(
                                'identical_to_reference', False)))
            out[key].update(speedup_range(results[base], r))
        else:
            out[key] = dict(paddle=base, speedup=None,
                            missing=f'{base} not run: {skipped[base]}' if base in skipped
                            else f'{base} is not part of this comparison')
    return out


def add_achieved(results: Dict[str, Dict[str, Any]], macs: float,
                 roofline: Optional[Dict[str, Any]]) -> None:
    """Each result's achieved GMAC/s and fraction of ``roofline`` (``macs`` per image); a Paddle
    precision that ran fp32 kernels (``identical_to_reference``) against the fp32 roof."""
    for r in results.values():
        r['achieved'] = achieved(macs, r['latency_ms']['median'], r['precision'], roofline,
                                 r.get('batch', 1),
                                 ran_as_fp32=bool(r.get('identical_to_reference')))


def our_contenders(model: torch.nn.Module, images: np.ndarray,
                   specs: Sequence[Tuple[str, str]], threads: int, skipped: Dict[str, str],
                   log: Callable[[str], None], calibration: Optional[np.ndarray] = None
                   ) -> List[Contender]:
    """Our ``model`` on each ``(engine, precision)`` of ``specs`` (keys ``engine:precision``,
    with their drift from PyTorch fp32 on ``images``); one that cannot run here (e.g. bf16 on a
    CPU without it) goes into ``skipped`` with the reason."""
    contenders = []
    for engine, precision in specs:
        key = f'{engine}:{precision}'
        log(f'ours: {key}')
        try:
            contenders.append(model_contender(model, images, engine, precision, threads,
                                              calibration=calibration, key=key))
        except ValueError as e:
            skipped[key] = str(e)
            log(f'ours: {key} skipped: {e}')
    return contenders
