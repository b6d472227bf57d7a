"""PaddleDetection's learning-rate schedule ``LearningRate(schedulers=[CosineDecay(max_epochs),
LinearWarmup(steps, start_factor)])`` (``ppdet/optimizer/optimizer.py``) as one mmengine
scheduler.

ppdet does not chain the two: the warm-up owns iterations ``0 .. steps - 1``
(``base * (start_factor + (1 - start_factor) * i / steps)``), and the cosine then starts at
``base`` at iteration ``steps`` and reaches ``eta_min`` at the last iteration of its
``max_epochs`` (``base * 0.5 * (1 + cos(pi * (i - steps) / (T - steps)))``, ``T`` its length in
iterations; later iterations keep the value of ``T - 1``). mmengine's ``LinearLR`` followed by
an epoch-long ``CosineAnnealingLR`` instead multiplies the warm-up with a cosine that starts at
iteration 0 over ``T``.
"""
import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS


def paddle_warmup_cosine_factor(step: int, warmup_iters: int, warmup_start_factor: float,
                                cosine_iters: int, eta_min_ratio: float = 0.0) -> float:
    """The multiple of the base learning rate at iteration ``step`` (0-based)."""
    warmup_iters = max(warmup_iters, 1)  # ppdet's LinearWarmup: at least one step
    if step < warmup_iters:
        alpha = step / warmup_iters
        return warmup_start_factor * (1 - alpha) + alpha
    step = min(step, cosine_iters - 1)
    cosine = 0.5 * (math.cos((step - warmup_iters) * math.pi /
                             (cosine_iters - warmup_iters)) + 1)
    return eta_min_ratio + (1 - eta_min_ratio) * cosine


@PARAM_SCHEDULERS.register_module()
class PaddleWarmupCosineLR(LRSchedulerMixin, _ParamScheduler):
    """ppdet's ``CosineDecay`` + ``LinearWarmup``, iteration by iteration (closed form).

    Configure it by epochs and let mmengine convert it (``by_epoch=True,
    convert_to_iter_based=True``): ``T_max`` (ppdet ``CosineDecay.max_epochs``) and ``end``
    (the training's epochs, which upstream may set shorter than the cosine) are scaled by the
    epoch length, ``warmup_iters`` stays in iterations.

    Args:
        optimizer: Wrapped optimizer.
        T_max: Length of the cosine (warm-up included) in iterations (epochs before the
            conversion).
        warmup_iters: ppdet ``LinearWarmup.steps`` (300).
        warmup_start_factor: ppdet ``LinearWarmup.start_factor`` (0.1).
        eta_min_ratio: ppdet ``CosineDecay.min_lr_ratio`` (0).
        begin, end, last_step, by_epoch, verbose: As for mmengine's schedulers.
    """

    def __init__(self, optimizer, T_max: int, warmup_iters: int = 300,
                 warmup_start_factor: float = 0.1, eta_min_ratio: float = 0.0,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = False,
                 verbose: bool = False) -> None:
        if by_epoch:
            raise ValueError('PaddleWarmupCosineLR runs per iteration: configure it in epochs '
                             'with by_epoch=True and convert_to_iter_based=True')
        if T_max <= max(warmup_iters, 1):
            raise ValueError(f'PaddleWarmupCosineLR: the cosine ({T_max} iterations) must be '
                             f'longer than the warm-up ({warmup_iters})')
        self.T_max = T_max
        self.warmup_iters = warmup_iters
        self.warmup_start_factor = warmup_start_factor
        self.eta_min_ratio = eta_min_ratio
        super().__init__(optimizer, begin=begin, end=end, last_step=last_step,
                         by_epoch=by_epoch, verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, T_max: int, begin: int = 0, end: int = INF,
                              by_epoch: bool = True, epoch_length: int = None, **kwargs):
        """Scale ``T_max``, ``begin`` and ``end`` from epochs to iterations."""
        if not by_epoch or not epoch_length:
            raise ValueError('PaddleWarmupCosineLR: the conversion needs by_epoch=True and '
                             f'a positive epoch length, got {by_epoch}, {epoch_length}')
        return cls(*args, T_max=T_max * epoch_length, begin=int(begin * epoch_length),
                   end=end if end == INF else int(end * epoch_length), by_epoch=False,
                   **kwargs)

    def _get_value(self):
        factor = paddle_warmup_cosine_factor(self.last_step, self.warmup_iters,
                                             self.warmup_start_factor, self.T_max,
                                             self.eta_min_ratio)
        return [base * factor for base in self.base_values]
