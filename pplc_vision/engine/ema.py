"""PicoDet's EMA (PaddleDetection ``ModelEMA``): warmed-up decay and a periodic reset.

``ThresholdEMA`` averages with ``decay_n = min(decay, (1 + n) / (10 + n))`` at update ``n``.
``PeriodicResetEMAHook`` is mmengine's :class:`EMAHook` that restarts the average from the
current weights every ``reset_interval`` epochs (after that epoch's validation and checkpoint),
because mmengine's and mmdet's EMA never restart.
``PaddleModelEMA`` is ppdet's ``ModelEMA`` exactly as it evaluates: the average starts from
zeros and is read through ppdet's bias correction (``apply()``).
"""
from typing import Optional

import torch
from mmengine.hooks import EMAHook
from mmengine.model import ExponentialMovingAverage
from torch import nn

from mmdet.registry import HOOKS, MODELS


@MODELS.register_module()
class ThresholdEMA(ExponentialMovingAverage):
    """EMA whose decay ramps up as ``min(decay, (1 + n) / (10 + n))`` over updates ``n``.

    Args:
        model: The model to average.
        decay: The final decay (``1 - momentum`` in mmengine's terms), 0.9998 in PicoDet.
        interval, device, update_buffers: As in :class:`ExponentialMovingAverage`.
    """

    def __init__(self,
                 model: nn.Module,
                 decay: float = 0.9998,
                 interval: int = 1,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = True) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f'ThresholdEMA: decay must be in (0, 1), got {decay}')
        super().__init__(model, momentum=1.0 - decay, interval=interval, device=device,
                         update_buffers=update_buffers)
        self.decay = decay

    def decay_at(self, steps: int) -> float:
        """The decay used by update number ``steps`` (0 copies the weights)."""
        return min(self.decay, (1.0 + steps) / (10.0 + steps))

    def avg_func(self, averaged_param: torch.Tensor, source_param: torch.Tensor,
                 steps: int) -> None:
        averaged_param.lerp_(source_param, 1.0 - self.decay_at(int(steps)))


@HOOKS.register_module()
class PeriodicResetEMAHook(EMAHook):
    """:class:`EMAHook` that restarts the average every ``reset_interval`` epochs.

    The restart happens at the start of epochs ``k * reset_interval`` (k >= 1), so the
    validation and checkpoint of the epoch before still use the old average. Restarting sets the
    update counter to 0: the next update copies the current weights and the decay warms up again.

    Args:
        reset_interval: Epochs between restarts; ``0`` never restarts (plain EMAHook).
        **kwargs: :class:`EMAHook` arguments (``ema_type``, ``priority``, ...).
    """

    def __init__(self, reset_interval: int = 40, **kwargs) -> None:
        if reset_interval < 0:
            raise ValueError(f'PeriodicResetEMAHook: reset_interval must be >= 0, '
                             f'got {reset_interval}')
        kwargs.setdefault('ema_type', 'ThresholdEMA')
        super().__init__(**kwargs)
        self.reset_interval = reset_interval

    def before_train_epoch(self, runner) -> None:
        epoch = runner.epoch
        if self.reset_interval and epoch > 0 and epoch % self.reset_interval == 0:
            self.ema_model.steps.zero_()
            runner.logger.info(f'PeriodicResetEMAHook: EMA restarted at epoch {epoch}')


@MODELS.register_module()
class PaddleModelEMA(ThresholdEMA):
    """ppdet's ``ModelEMA(decay, ema_decay_type='threshold')`` (``ppdet/optimizer/ema.py`` at
    PaddleDetection 666f597fd0) as its trainer evaluates and saves it.

    ppdet keeps ``v_{n+1} = d_n v_n + (1 - d_n) w`` from ``v_0 = 0`` with
    ``d_n = min(decay, (1 + n) / (10 + n))`` and reads the weights as ``apply()`` returns them,
    ``v_n / (1 - d_{n-1} ** n)``: divided by the last decay to the power of the update count,
    not by the product of the decays (an approximate bias correction, about 1 + 1e-4 in the
    first ~45k updates). This model holds exactly those read weights (so validation and the
    saved EMA weights are ppdet's ``apply()``), updated with the same recurrence; the first
    update copies the weights, which is what ``apply()`` gives after one update. BN statistics
    are averaged as well (``update_buffers=True``: ppdet averages the whole state dict).
    """

    def avg_func(self, averaged_param: torch.Tensor, source_param: torch.Tensor,
                 steps: int) -> None:
        steps = int(steps)
        decay = self.decay_at(steps)
        before = 1.0 - self.decay_at(steps - 1) ** steps
        after = 1.0 - decay ** (steps + 1)
        averaged_param.mul_(decay * before / after).add_(source_param,
                                                         alpha=(1.0 - decay) / after)
