"""Learning-rate phases in Paddle's closed form: the warm-up, cosine and polynomial decay of
PaddleDetection's, PaddleClas' and PaddleSeg's schedules, value for value.

mmengine's ``LinearLR``, ``CosineAnnealingLR`` and ``PolyLR`` are chained (each step multiplies
the current value) and count ``end - begin - 1`` steps, which cannot give Paddle's curves:
``LinearLR`` cannot start at 0 (PaddleClas' warm-up does) and reaches its end value one step
early, a chained cosine that follows a warm-up starts from the warm-up's last value instead of
the full rate, and ``PolyLR`` decays over one step less than Paddle's ``PolynomialDecay``. These
phases compute each step's value from the base value alone (``value(k)`` at step ``k`` of the
phase), so they reproduce Paddle's ``LinearWarmup``, ``CosineAnnealingDecay`` /
PaddleDetection's ``CosineDecay`` and ``PolynomialDecay`` exactly, alone or in sequence. Where
two phases overlap, the one listed later in ``param_scheduler`` sets the value
(PaddleDetection's warm-up runs inside its cosine, which counts from iteration 0).
"""
import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS


class ClosedFormScheduler(_ParamScheduler):
    """A phase whose value at step ``k`` (``last_step``, counted from ``begin``) is
    :meth:`value` of the base value (``initial_lr``), whatever the current value is."""

    def value(self, base: float, step: int) -> float:
        raise NotImplementedError

    def _get_value(self) -> list:
        return [self.value(base, self.last_step) for base in self.base_values]

    def load_state_dict(self, state_dict: dict) -> None:
        """Resume at the checkpoint's iteration with this phase's configured shape.

        The value depends on the step alone, so only the checkpoint's step count
        (``_global_step``, the same in every phase of a run) is taken and the phase's own step
        derived from it. A checkpoint of an earlier schedule (mmengine's ``LinearLR`` and
        ``CosineAnnealingLR``, listed warm-up first) thus resumes on the configured phases at
        the right iteration instead of taking another phase's ``begin``/``end``.
        """
        if '_global_step' not in state_dict:
            raise KeyError(f'{type(self).__name__}: the checkpoint\'s scheduler state has no '
                           f'_global_step (keys: {sorted(state_dict)})')
        self._global_step = int(state_dict['_global_step'])
        # steps taken in [begin, end) by global steps 0 .. _global_step, less one
        self.last_step = max(min(self._global_step + 1, self.end) - self.begin, 0) - 1

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        """The phase counted in iterations (``convert_to_iter_based=True``)."""
        if not by_epoch or not epoch_length or epoch_length <= 0:
            raise ValueError(f'{cls.__name__}: converting to iterations needs by_epoch=True and '
                             f'a positive epoch_length, got {by_epoch} and {epoch_length}')
        end = end if end == INF else int(end * epoch_length)
        return cls(*args, begin=int(begin * epoch_length), end=end, by_epoch=False,
                   **cls._iters_from_epochs(kwargs, epoch_length))

    @staticmethod
    def _iters_from_epochs(kwargs: dict, epoch_length: int) -> dict:
        return kwargs


@PARAM_SCHEDULERS.register_module()
class LinearWarmupLR(LRSchedulerMixin, ClosedFormScheduler):
    """Paddle's ``paddle.optimizer.lr.LinearWarmup``: from ``start_factor`` x lr at ``begin``
    linearly to the full lr at ``end`` (reached there: the next phase starts at the full rate).

    ``value(k) = base * (start_factor + (1 - start_factor) * k / (end - begin))``. PaddleClas
    warms up from 0 (``warmup_start_lr: 0.0``), PaddleDetection from 0.1 x lr (``LinearWarmup``
    ``start_factor``); mmengine's ``LinearLR`` takes neither (no 0, end one step early).

    Args:
        start_factor: The fraction of the lr at ``begin``, in ``[0, 1]``.
        begin, end, by_epoch, last_step, verbose: As in mmengine's schedulers; ``end`` is
            required.
    """

    def __init__(self, optimizer, start_factor: float = 0.0, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False) -> None:
        if not 0.0 <= start_factor <= 1.0:
            raise ValueError(f'LinearWarmupLR: start_factor must be in [0, 1], got {start_factor}')
        if end == INF:
            raise ValueError('LinearWarmupLR: needs an end (where the full lr is reached)')
        self.start_factor = start_factor
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    def value(self, base: float, step: int) -> float:
        return base * (self.start_factor + (1.0 - self.start_factor) * step /
                       (self.end - self.begin))


@PARAM_SCHEDULERS.register_module()
class CosineDecayLR(LRSchedulerMixin, ClosedFormScheduler):
    """A cosine from the full lr towards ``eta_min`` over ``T_max`` steps, in closed form.

    ``value(k) = eta_min + (base - eta_min) * (1 + cos(pi * (k' - w) / (T_max - w))) / 2`` with
    ``k' = min(k, T_max - 1)`` and ``w = warmup_iters``. Three Paddle schedules:

    - PaddleClas' ``Cosine`` (``CosineAnnealingDecay`` after ``LinearWarmup``): ``begin`` at the
      warm-up's end, ``w = 0``.
    - PaddleDetection's ``CosineDecay`` before bba88f6791 (2021-11-17, "fix warmup+decay LR"),
      the PicoDet 2021 recipes: ``begin=0``, ``w = 0``; the cosine counts from iteration 0 and
      the warm-up, listed after it, replaces its first values.
    - PaddleDetection's ``CosineDecay`` from bba88f6791 on (the 2.6.0 wheel, PicoDet v2 and the
      application models): ``begin=0``, ``w`` = the warm-up's steps; the cosine starts at the
      full lr when the warm-up (listed after it) ends and spans the remaining ``T_max - w``.

    After ``T_max - 1`` the value stays (ppdet's ``PiecewiseDecay`` keeps its last value;
    PaddleClas' run ends there).

    Args:
        T_max: Steps of the half cosine, the warm-up's included; ``end - begin`` when None
            (epochs when the phase is converted to iterations).
        eta_min: The value the cosine ends at.
        warmup_iters: Iterations of the warm-up that the cosine waits for (not converted).
        begin, end, by_epoch, last_step, verbose: As in mmengine's schedulers.
    """

    def __init__(self, optimizer, T_max=None, eta_min: float = 0.0, warmup_iters: int = 0,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False) -> None:
        self.T_max = T_max if T_max is not None else end - begin
        if not 0 < self.T_max < INF:
            raise ValueError(f'CosineDecayLR: T_max (or end - begin) must be a positive '
                             f'length, got {self.T_max}')
        if not 0 <= warmup_iters < self.T_max:
            raise ValueError(f'CosineDecayLR: warmup_iters must be in [0, T_max = '
                             f'{self.T_max}), got {warmup_iters}')
        self.eta_min = eta_min
        self.warmup_iters = warmup_iters
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @staticmethod
    def _iters_from_epochs(kwargs: dict, epoch_length: int) -> dict:
        if kwargs.get('T_max') is not None:
            kwargs = dict(kwargs, T_max=kwargs['T_max'] * epoch_length)
        return kwargs

    def value(self, base: float, step: int) -> float:
        step = max(min(step, self.T_max - 1) - self.warmup_iters, 0)
        cosine = (1.0 + math.cos(math.pi * step / (self.T_max - self.warmup_iters))) / 2.0
        return self.eta_min + (base - self.eta_min) * cosine


@PARAM_SCHEDULERS.register_module()
class PolynomialDecayLR(LRSchedulerMixin, ClosedFormScheduler):
    """Paddle's ``paddle.optimizer.lr.PolynomialDecay`` (``cycle=False``): ``value(k) = eta_min
    + (base - eta_min) * (1 - min(k, decay_steps) / decay_steps) ** power``.

    PaddleSeg's schedule (``decay_steps`` = the run's iterations): the last iteration still
    trains at ``base * (1 / decay_steps) ** power``; mmengine's ``PolyLR`` reaches ``eta_min``
    one step earlier.

    Args:
        decay_steps: Steps to decay over; ``end - begin`` when None.
        power: The polynomial's power (PaddleSeg: 0.9).
        eta_min: The value at ``decay_steps`` (Paddle's ``end_lr``).
        begin, end, by_epoch, last_step, verbose: As in mmengine's schedulers.
    """

    def __init__(self, optimizer, decay_steps=None, power: float = 1.0, eta_min: float = 0.0,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False) -> None:
        self.decay_steps = decay_steps if decay_steps is not None else end - begin
        if not 0 < self.decay_steps < INF:
            raise ValueError(f'PolynomialDecayLR: decay_steps (or end - begin) must be a '
                             f'positive length, got {self.decay_steps}')
        self.power = power
        self.eta_min = eta_min
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @staticmethod
    def _iters_from_epochs(kwargs: dict, epoch_length: int) -> dict:
        if kwargs.get('decay_steps') is not None:
            kwargs = dict(kwargs, decay_steps=kwargs['decay_steps'] * epoch_length)
        return kwargs

    def value(self, base: float, step: int) -> float:
        remaining = 1.0 - min(step, self.decay_steps) / self.decay_steps
        return self.eta_min + (base - self.eta_min) * remaining ** self.power
