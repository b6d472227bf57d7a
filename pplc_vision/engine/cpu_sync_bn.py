"""Synchronised BatchNorm for DDP on CPU (gloo), which torch's ``SyncBatchNorm`` refuses.

With ``sync_bn`` set in a config, mmengine converts BatchNorm layers to torch's
``SyncBatchNorm`` under DDP, whose forward accepts GPU tensors only. For ``--launcher pytorch``
on a machine without CUDA, ``tools/train.py`` instead turns every BatchNorm layer into
:class:`CPUSyncBatchNorm` in place (same parameters and buffers, so DDP and checkpoints see no
difference): in training, batch mean and variance are reduced over all processes, so N
processes with a batch of B/N each compute what one process computes with a batch of B.
"""
import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.nn.functional import all_reduce
from torch.nn.modules.batchnorm import _BatchNorm


def _world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


class CPUSyncBatchNorm(_BatchNorm):
    """BatchNorm whose training statistics are all-reduced over the default process group."""

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f'CPUSyncBatchNorm: expected at least 2-D input, got {input.dim()}-D')

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(input)
        if not self.training or _world_size() == 1:
            return super().forward(input)  # plain BatchNorm
        channels = input.size(1)
        dims = [0] + list(range(2, input.dim()))
        local = torch.cat([input.sum(dims), (input * input).sum(dims),
                           input.new_full((1, ), input.numel() / channels)])
        total = all_reduce(local)  # autograd-aware: gradients flow through the statistics
        count = total[-1]
        mean = total[:channels] / count
        var = total[channels:2 * channels] / count - mean * mean
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), var.detach(), count.item())
        shape = [1, channels] + [1] * (input.dim() - 2)
        out = (input - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, var: torch.Tensor, count: float) -> None:
        self.num_batches_tracked.add_(1)
        momentum = self.momentum if self.momentum is not None \
            else 1.0 / float(self.num_batches_tracked)
        unbiased = var * (count / max(count - 1.0, 1.0))
        self.running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
        self.running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)


def convert_to_cpu_sync_bn(model: nn.Module) -> int:
    """Turn every BatchNorm layer of ``model`` into :class:`CPUSyncBatchNorm` in place (the
    same parameter and buffer tensors); returns how many were converted."""
    converted = 0
    for module in model.modules():
        if isinstance(module, _BatchNorm) and not isinstance(module, CPUSyncBatchNorm):
            module.__class__ = CPUSyncBatchNorm
            converted += 1
    return converted
