"""``--engine auto``: the engines that run a model at a precision, raced briefly at load, the
fastest one used.

The fastest engine differs by model and machine (onnxruntime beats OpenVINO below about
PP-LCNet-1x on AMD EPYC, OpenVINO wins at larger widths and in bf16/int8: issue 33), so the
choice is measured, not guessed: a short interleaved race (:func:`~.interleaved.race`, a second
or two) on the model's own input, and the choice comes with its margin over the runner-up.
"""
import dataclasses
import os
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import numpy as np

from .base import EngineNotInstalled, InferenceEngine, check_engine, offered_engines
from .factory import build_engine
from .interleaved import Contender, race

AUTO = 'auto'


@dataclasses.dataclass(frozen=True)
class EngineChoice:
    """The engine a race picked: its name, its median and every raced engine's (ms), its margin
    (the runner-up's median over its own, 1.0 when it raced alone) and the engines left out,
    each with the reason."""
    engine: str
    medians_ms: Dict[str, float]
    margin: float
    rounds: int
    calls: int  # timed calls per engine and round
    skipped: Dict[str, str] = dataclasses.field(default_factory=dict)

    def line(self) -> str:
        """``'engine auto: onnxruntime, 1.21x faster than openvino (0.95 vs 1.15 ms median,
        3 interleaved rounds of 8 calls each)'``."""
        others = sorted((ms, name) for name, ms in self.medians_ms.items() if name != self.engine)
        text = f'engine auto: {self.engine}'
        if others:
            text += (f', {self.margin:.2f}x faster than {others[0][1]} '
                     f'({self.medians_ms[self.engine]:.2f} vs {others[0][0]:.2f} ms median, '
                     f'{self.rounds} interleaved rounds of {self.calls} calls each)')
        else:
            text += ' (the only engine that runs this model at this precision here)'
        if self.skipped:
            text += '; not raced: ' + '; '.join(f'{k} ({v})' for k, v in self.skipped.items())
        return text

    def as_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


def pick_fastest(engines: Mapping[str, Callable[[np.ndarray], Any]], inputs: np.ndarray,
                 budget_s: float = 1.5, rounds: int = 3, max_calls: int = 50,
                 skipped: Optional[Dict[str, str]] = None) -> EngineChoice:
    """Race ``engines`` (name -> a callable on ``inputs``) in ``rounds`` interleaved rounds
    sized to take about ``budget_s`` in all (at least one timed call per engine and round, at
    most ``max_calls``), and return the one with the lowest median call time."""
    if not engines:
        raise ValueError('engine auto: no engine runs this model here'
                         + (': ' + '; '.join(f'{k} ({v})' for k, v in skipped.items())
                            if skipped else ''))
    if budget_s <= 0 or rounds < 1:
        raise ValueError(f'pick_fastest: need budget_s > 0 and rounds >= 1, got {budget_s}, '
                         f'{rounds}')
    per_call = 0.0
    for run in engines.values():  # one untimed call each: warms up and sizes the race
        start = time.perf_counter()
        run(inputs)
        per_call += time.perf_counter() - start
    calls = int(min(max(budget_s / (rounds * max(per_call, 1e-6)), 1), max_calls))
    contenders = [Contender(name, (lambda run: lambda i: run(inputs))(run), {})
                  for name, run in engines.items()]
    race(contenders, 1, rounds, warmup=1, iters=calls, progress=False)
    medians = {c.key: float(np.median(c.times)) * 1e3 for c in contenders}
    ranked = sorted(medians, key=medians.get)
    margin = medians[ranked[1]] / medians[ranked[0]] if len(ranked) > 1 else 1.0
    return EngineChoice(ranked[0], medians, margin, rounds, calls, dict(skipped or {}))


def build_fastest_engine(module: Any, example: Any, precision: str = 'fp32',
                         threads: Optional[int] = None, workdir: Optional[str] = None,
                         calibration: Optional[np.ndarray] = None, fuse: bool = True,
                         budget_s: float = 1.5) -> Tuple[InferenceEngine, EngineChoice]:
    """Build ``module`` on every engine that runs ``precision`` here (:func:`build_engine`;
    one not installed, or refusing this CPU, is left out with its one-line reason), race them
    on ``example`` (:func:`pick_fastest`) and return the fastest with the choice."""
    check_engine(offered_engines(precision)[0], precision)  # an unknown precision, in one line
    built: Dict[str, InferenceEngine] = {}
    skipped: Dict[str, str] = {}
    for name in offered_engines(precision):
        try:
            built[name] = build_engine(
                module, example, name, precision, threads, calibration=calibration, fuse=fuse,
                workdir=None if workdir is None else os.path.join(workdir, name))
        except (EngineNotInstalled, ValueError) as e:
            skipped[name] = str(e).splitlines()[0]
    inputs = np.ascontiguousarray(example.numpy() if hasattr(example, 'numpy') else example,
                                  np.float32)
    choice = pick_fastest(built, inputs, budget_s, skipped=skipped)
    return built[choice.engine], choice
