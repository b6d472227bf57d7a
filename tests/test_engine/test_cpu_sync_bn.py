"""CPUSyncBatchNorm: 2 gloo processes with half a batch each compute what one BatchNorm computes
on the whole batch (outputs, input and parameter gradients, running statistics)."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from pplc_vision.engine import CPUSyncBatchNorm, convert_to_cpu_sync_bn

BATCH = torch.randn(6, 4, 5, 3, generator=torch.Generator().manual_seed(0)) * 3 + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def reference():
    bn = nn.BatchNorm2d(4, momentum=0.3)
    x = BATCH.clone().requires_grad_(True)
    out = bn(x)
    (out * torch.arange(out.numel()).reshape(out.shape).sin()).sum().backward()
    return out.detach(), x.grad, bn.weight.grad, bn.bias.grad, bn.running_mean, bn.running_var


def worker(rank: int, port: int, queue) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    bn = nn.BatchNorm2d(4, momentum=0.3)
    assert convert_to_cpu_sync_bn(nn.Sequential(bn)) == 1 and isinstance(bn, CPUSyncBatchNorm)
    x = BATCH[rank * 3:(rank + 1) * 3].clone().requires_grad_(True)
    out = bn(x)
    weights = torch.arange(BATCH.numel()).reshape(BATCH.shape).sin()[rank * 3:(rank + 1) * 3]
    (out * weights).sum().backward()
    for p in (bn.weight, bn.bias):  # DDP averages gradients; the reference sums the losses
        dist.all_reduce(p.grad)
    # numpy arrays travel by value: a tensor would travel as a shared-memory handle that the
    # parent opens after this process has exited and freed it (FileNotFoundError on 3.12)
    queue.put((rank, ) + tuple(t.detach().numpy().copy() for t in (
        out, x.grad, bn.weight.grad, bn.bias.grad, bn.running_mean, bn.running_var)))
    dist.destroy_process_group()


def test_two_processes_match_one_batchnorm_on_the_whole_batch():
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=worker, args=(rank, port, queue)) for rank in range(2)]
    for p in procs:
        p.start()
    results = sorted([queue.get(timeout=120) for _ in procs], key=lambda r: r[0])
    results = [(r[0], ) + tuple(torch.from_numpy(a) for a in r[1:]) for r in results]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    out, x_grad, w_grad, b_grad, mean, var = reference()
    torch.testing.assert_close(torch.cat([r[1] for r in results]), out, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(torch.cat([r[2] for r in results]), x_grad, atol=1e-5, rtol=1e-5)
    for _, _, _, w, b, m, v in results:
        torch.testing.assert_close(w, w_grad, atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(b, b_grad, atol=1e-4, rtol=1e-5)
        torch.testing.assert_close(m, mean, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(v, var, atol=1e-5, rtol=1e-5)


def test_single_process_and_eval_are_plain_batchnorm():
    bn, ref = nn.BatchNorm2d(4), nn.BatchNorm2d(4)
    convert_to_cpu_sync_bn(bn)
    torch.testing.assert_close(bn(BATCH), ref(BATCH))
    bn.eval(), ref.eval()
    torch.testing.assert_close(bn(BATCH), ref(BATCH))
    assert bn.state_dict().keys() == ref.state_dict().keys()
