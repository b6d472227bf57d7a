"""Timing and its statistics: one way to time any callable or inference engine.

Timing is per forward call, after an untimed warm-up; every engine figure carries the engine's
precision (:func:`time_engine` refuses one without).
"""
import dataclasses
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm


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
        """Statistics of per-call times given in seconds."""
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
