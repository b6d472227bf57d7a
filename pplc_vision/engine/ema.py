"""PicoDet's EMA (PaddleDetection ``ModelEMA``): warmed-up decay, bias-corrected weights and a
periodic reset, as PaddleDetection's trainer ran them when the PicoDet configs were published.

PaddleDetection's ``ModelEMA`` (``ppdet/optimizer.py``, the same from 35388eb7d4, 2021-08, the
Table 4 recipe, to 1fa998be68, 2021-10, the CSP-PAN configs, and in the paddledet 2.6.0 wheel)
averages from zeros, ``v_{n+1} = d_n v_n + (1 - d_n) w`` with ``d_n = min(decay, (1 + n) /
(10 + n))``, and evaluates and saves ``apply()``: ``v_n / (1 - d_{n-1}^n)``, a bias correction
with the latest decay (not the product of the decays, so the weights of the average sum to a
little more than 1 early on: 1.015 after 2 updates, 1 + 1.2e-4 after a few hundred).
``ThresholdEMA`` keeps exactly that corrected value in its model (mmengine evaluates and saves
the averaged model as it is). With ``update_buffers=True`` it averages the BN statistics too, as
ppdet averages the whole state dict. Its state (``steps`` and ``module.*``) is mmengine's
``ExponentialMovingAverage``'s: checkpoints of the earlier, uncorrected average resume, their
average read as corrected (the two differ by less than 2e-4 relative after a few hundred
updates).

``PeriodicResetEMAHook`` restarts the average every ``reset_interval`` epochs (``cycle_epoch``).
PaddleDetection's trainer of 2021 called ``apply()`` at the end of every epoch and ``ModelEMA``
reset itself after ``cycle_epoch`` calls, so with ``cycle_epoch: 40`` the average restarted
after epochs 40, 80, ... (after that epoch's evaluation and checkpoint). From ef83ab8a3f
(2022-03-03, "modify ema") the trainer applies the EMA only at snapshot epochs (every
``snapshot_epoch``, 10 for PicoDet), which stretches the same setting to a restart every 400
epochs; the CSP-PAN and Table 4 configs follow the 2021 trainer their recipes date from.
PicoDet v2 (``configs/runtime.yml`` at 666f597fd0: no ``cycle_epoch``) never restarts: mmengine's
``EMAHook`` with ``ema_type='ThresholdEMA'``. mmengine's and mmdet's EMA never restart.
"""
from typing import Optional

import torch
from mmengine.hooks import EMAHook
from mmengine.model import ExponentialMovingAverage
from torch import nn

from mmdet.registry import HOOKS, MODELS


@MODELS.register_module()
class ThresholdEMA(ExponentialMovingAverage):
    """PaddleDetection's ``ModelEMA(use_thres_step=True)`` as its ``apply()`` evaluates it: decay
    ``min(decay, (1 + n) / (10 + n))`` at update ``n``, the average bias-corrected with the
    latest decay.

    The averaged model holds the corrected value ``c_n = v_n / (1 - d_{n-1}^n)`` of the
    zero-started average ``v_n``; update ``n`` (``n >= 1``, the first copies the weights, which
    is what ``c_1`` is) computes ``c_{n+1}`` from ``c_n`` without keeping ``v_n``.

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
        n = int(steps)
        decay, previous = self.decay_at(n), self.decay_at(n - 1)
        # v_n = c_n (1 - d_{n-1}^n); v_{n+1} = d_n v_n + (1 - d_n) w; c_{n+1} = v_{n+1} /
        # (1 - d_n^(n+1))
        norm = 1.0 - decay ** (n + 1)
        averaged_param.mul_(decay * (1.0 - previous ** n) / norm).add_(
            source_param, alpha=(1.0 - decay) / norm)


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
