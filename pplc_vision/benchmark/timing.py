"""Timing and its statistics: one way to time any callable or inference engine.

Timing is per forward call, after an untimed warm-up; every engine figure carries the engine's
precision (:func:`~.model_latency.model_contender` refuses an engine without one). Figures
that are compared with each other are timed by :func:`race`: several interleaved rounds, the
contenders alternating within each round, so that a slow stretch of the machine hits all of
them; the spread across rounds comes with every median (:func:`race_result`). The race lives
with the engines (:mod:`pplc_vision.deploy.engines.interleaved`), which also use it to pick the
fastest engine at load (``--engine auto``), and is re-exported here.
"""
import dataclasses
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm

from ..deploy.engines.interleaved import Contender, race

__all__ = ['LatencyStats', 'time_calls', 'Contender', 'race', 'per_round', 'round_spread',
           'race_result', 'format_spread']


@dataclasses.dataclass(frozen=True)
class LatencyStats:
    """Per-call latency statistics in milliseconds."""
    median: float
    p10: float
    p90: float
    p99: float
    min: float
    max: float
    mean: float
    iters: int

    @classmethod
    def from_times(cls, seconds: Sequence[float]) -> 'LatencyStats':
        """Statistics of per-call times given in seconds."""
        ms = np.asarray(seconds, np.float64) * 1e3
        if ms.size == 0:
            raise ValueError('LatencyStats: no timings')
        return cls(median=float(np.median(ms)), p10=float(np.percentile(ms, 10)),
                   p90=float(np.percentile(ms, 90)),
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


def per_round(count: int, rounds: int, least: int) -> int:
    """``count`` calls spread over ``rounds`` rounds: per round, rounded up, at least ``least``."""
    return max(-(-count // rounds), least)


def round_spread(round_medians_ms: Sequence[float]) -> Dict[str, Any]:
    """The spread of a contender's per-round medians (ms): their median, p10, p90, min, max."""
    m = np.asarray(round_medians_ms, np.float64)
    if m.size == 0:
        raise ValueError('round_spread: no rounds')
    p10, median, p90 = np.percentile(m, [10, 50, 90])
    return dict(rounds=int(m.size), median=float(median), p10=float(p10), p90=float(p90),
                min=float(m.min()), max=float(m.max()), medians=[float(v) for v in m])


def race_result(contender: Contender) -> Dict[str, Any]:
    """A raced contender's info with its per-call statistics (``latency_ms``, all rounds
    together) and the spread across rounds (``rounds_ms``)."""
    return dict(contender.info,
                latency_ms=dataclasses.asdict(LatencyStats.from_times(contender.times)),
                rounds_ms=round_spread(contender.round_medians))


def format_spread(result: Dict[str, Any], digits: int = 2) -> str:
    """``'0.94 (0.91-0.98)'``: the median over all calls and the p10-p90 of the round medians
    (just the median for a result timed in one round)."""
    text = f"{result['latency_ms']['median']:.{digits}f}"
    spread = result.get('rounds_ms')
    if spread and spread['rounds'] > 1:
        text += f" ({spread['p10']:.{digits}f}-{spread['p90']:.{digits}f})"
    return text
