"""How a measurement runs: the one settings object every benchmark function takes."""
import dataclasses
from typing import Callable, Optional

from .timing import per_round


def _print(message: str) -> None:
    print(message)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Threads, rounds and calls of a race, precision, and the real images behind it.

    Attributes:
        threads: Engine (and PyTorch) threads.
        rounds: Interleaved rounds (:func:`~.timing.race`); each median comes with the spread
            of the round medians.
        max_rounds: The Paddle comparisons' limit: one more round at a time while a Paddle
            baseline's round medians spread past 20% of their median, up to this many rounds in
            all (:func:`~.paddle_race.race_until_settled`; ``rounds`` or less: none added).
        warmup, iters: Untimed and timed calls per contender, totals spread over the rounds
            (:attr:`round_warmup`, :attr:`round_iters`).
        precision: The precision of a single-engine measurement (``fp32``, ``bf16``, ``int8``);
            tables name theirs per engine spec.
        calib_images, calib_dir: Real-image crops (of ``calib_dir``, scikit-image's photos by
            default) for BatchNorm statistics and int8 calibration.
        drift_images: Real-image crops on which drift against PyTorch fp32 is measured.
        root: Folder the configs and data paths are relative to.
        log: Where progress lines go.
    """
    threads: int = 2
    rounds: int = 5
    max_rounds: int = 0
    warmup: int = 30
    iters: int = 200
    precision: str = 'fp32'
    calib_images: int = 32
    calib_dir: Optional[str] = None
    drift_images: int = 8
    root: str = '.'
    log: Callable[[str], None] = _print

    def __post_init__(self) -> None:
        if self.threads < 1 or self.rounds < 1 or self.iters < 1 or self.warmup < 0:
            raise ValueError(f'benchmark settings: need threads, rounds and iters >= 1 and '
                             f'warmup >= 0, got threads={self.threads}, rounds={self.rounds}, '
                             f'iters={self.iters}, warmup={self.warmup}')

    @property
    def round_warmup(self) -> int:
        """Untimed calls per contender per round (at least one when there is any warm-up)."""
        return per_round(self.warmup, self.rounds, 1 if self.warmup else 0)

    @property
    def round_iters(self) -> int:
        """Timed calls per contender per round (at least one)."""
        return per_round(self.iters, self.rounds, 1)

    def replace(self, **changes) -> 'Settings':
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)
