"""Interleaved races of callables: the one timing loop behind every compared figure and
behind ``--engine auto`` (:func:`~.auto.pick_fastest`).

Several rounds, the contenders alternating within each round (the order rotated by one per
round), so that a slow stretch of a shared machine hits all of them.
"""
import dataclasses
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm


@dataclasses.dataclass
class Contender:
    """One timed candidate of a :func:`race`: ``run(i)`` makes one call on input ``i``."""
    key: str
    run: Callable[[int], Any]
    info: Dict[str, Any]
    times: List[float] = dataclasses.field(default_factory=list)
    round_medians: List[float] = dataclasses.field(default_factory=list)


def race(contenders: Sequence[Contender], inputs: int = 1, rounds: int = 5, warmup: int = 10,
         iters: int = 20, settle_s: float = 0.0, progress: Optional[bool] = None,
         first_round: int = 0) -> None:
    """Interleaved rounds: in each, every contender (the order rotated by one per round) waits
    ``settle_s``, makes ``warmup`` untimed calls, then ``iters`` timed calls on each of the
    ``inputs`` inputs; the times and each round's median are appended to the contender.
    ``first_round``: the rounds continue a race that ran that many (the rotation goes on)."""
    if rounds < 1 or iters < 1 or warmup < 0 or inputs < 1:
        raise ValueError(f'race: need rounds >= 1, iters >= 1, warmup >= 0 and inputs >= 1, '
                         f'got {rounds}, {iters}, {warmup}, {inputs}')
    n = len(contenders)
    total = rounds * n * (warmup + inputs * iters)
    if progress is None:
        progress = total > 200
    with tqdm(total=total, desc='race', disable=not progress, leave=False, unit='call') as bar:
        for r in range(first_round, first_round + rounds):
            for c in list(contenders[r % n:]) + list(contenders[:r % n]):
                if settle_s:
                    time.sleep(settle_s)
                for i in range(warmup):
                    c.run(i % inputs)
                times = []
                for i in range(inputs):
                    for _ in range(iters):
                        start = time.perf_counter()
                        c.run(i)
                        times.append(time.perf_counter() - start)
                c.times += times
                c.round_medians.append(float(np.median(times)) * 1e3)
                bar.update(warmup + inputs * iters)
