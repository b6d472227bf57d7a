"""The backbone contract (``models/backbones/base.py``) kept by every backbone: out_indices and
out_channels against the real outputs, one-line argument errors, frozen_stages, norm_eval."""
import re
from typing import Callable, Dict

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from pplc_vision.models import MobileOne, PaddleMobileNetV3, PPLCNet, TorchvisionMobileNetV3

BUILDERS: Dict[str, Callable[..., nn.Module]] = {
    'PPLCNet': lambda **kwargs: PPLCNet(widen_factor=0.25, **kwargs),
    'TorchvisionMobileNetV3': lambda **kwargs: TorchvisionMobileNetV3('large', 0.35, **kwargs),
    'MobileOne': lambda **kwargs: MobileOne('s0', **kwargs),
    # small: its stage 0 is the stem alone
    'PaddleMobileNetV3': lambda **kwargs: PaddleMobileNetV3('small', 0.35, **kwargs),
}
CLASSES = {'PPLCNet': PPLCNet, 'TorchvisionMobileNetV3': TorchvisionMobileNetV3,
           'MobileOne': MobileOne, 'PaddleMobileNetV3': PaddleMobileNetV3}
SIZE = 64
backbones = pytest.mark.parametrize('name', sorted(BUILDERS))


def num_stages(name: str) -> int:
    return len(CLASSES[name].stage_strides)


def batch_norms(module: nn.Module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


@backbones
def test_out_channels_and_strides_are_the_real_outputs(name):
    n = num_stages(name)
    model = BUILDERS[name](out_indices=tuple(range(n))).eval()
    assert len(model.out_channels) == n
    with torch.no_grad():
        outs = model(torch.randn(1, 3, SIZE, SIZE))
    assert [tuple(o.shape[1:]) for o in outs] == [
        (c, SIZE // s, SIZE // s) for c, s in zip(model.out_channels, model.stage_strides)]
    # negative indices count from the last stage; outputs follow out_indices
    last_two = BUILDERS[name](out_indices=(-2, -1)).eval()
    assert last_two.out_indices == (n - 2, n - 1)
    with torch.no_grad():
        outs = last_two(torch.randn(1, 3, SIZE, SIZE))
    assert [o.shape[1] for o in outs] == last_two.out_channels[-2:] == model.out_channels[-2:]


@backbones
@pytest.mark.parametrize('bad', ['empty', 'too_high', 'too_low', 'decreasing', 'repeated',
                                 'float'])
def test_bad_out_indices_give_one_line_error(name, bad):
    n = num_stages(name)
    out_indices = dict(empty=(), too_high=(n, ), too_low=(-n - 1, ), decreasing=(2, 1),
                       repeated=(1, 1), float=(1.0, ))[bad]
    with pytest.raises(ValueError) as info:
        BUILDERS[name](out_indices=out_indices)
    assert re.fullmatch(rf'{name}: out_indices must be increasing stage indices in '
                        rf'0\.\.{n - 1} \(or -{n}\.\.-1; strides .*\), got '
                        rf'{re.escape(repr(out_indices))}', str(info.value)), str(info.value)


@backbones
@pytest.mark.parametrize('frozen_stages', ['above', -2, 1.0, True])
def test_bad_frozen_stages_give_one_line_error(name, frozen_stages):
    n = num_stages(name)
    frozen_stages = n + 1 if frozen_stages == 'above' else frozen_stages
    with pytest.raises(ValueError) as info:
        BUILDERS[name](frozen_stages=frozen_stages)
    assert str(info.value) == f'{name}: frozen_stages must be in -1..{n}, got {frozen_stages!r}'


@backbones
def test_stem_and_stages_cover_every_parameter(name):
    model = BUILDERS[name]()
    parts = model.stem_and_stages()
    assert len(parts) == num_stages(name) + 1
    owned = [id(p) for part in parts for p in part.parameters()]
    assert sorted(owned) == sorted(id(p) for p in model.parameters())  # each exactly once


@backbones
@pytest.mark.parametrize('frozen', [-1, 0, 1, 'all'])
def test_frozen_stages_freeze_the_stem_and_first_stages(name, frozen):
    n = num_stages(name)
    frozen = n if frozen == 'all' else frozen
    model = BUILDERS[name](frozen_stages=frozen, out_indices=tuple(range(n)))
    assert model.train() is model
    parts = model.stem_and_stages()
    for i, part in enumerate(parts):
        is_frozen = i <= frozen
        assert all(p.requires_grad != is_frozen for p in part.parameters()), i
        assert all(bn.training != is_frozen for bn in batch_norms(part)), i
    # a training step: frozen BN statistics stay, the others move; no gradient reaches frozen
    before = [[bn.running_mean.clone() for bn in batch_norms(part)] for part in parts]
    x = torch.randn(2, 3, SIZE, SIZE, requires_grad=True)  # a graph even when all is frozen
    sum(o.sum() for o in model(x)).backward()
    for i, (part, means) in enumerate(zip(parts, before)):
        is_frozen = i <= frozen
        for bn, mean in zip(batch_norms(part), means):
            assert torch.equal(bn.running_mean, mean) == is_frozen, i
        assert all((p.grad is None) == is_frozen for p in part.parameters()), i
    model.eval()
    assert not any(m.training for m in model.modules())


@backbones
@pytest.mark.parametrize('norm_eval', [True, False])
def test_norm_eval_keeps_bn_statistics(name, norm_eval):
    model = BUILDERS[name](norm_eval=norm_eval)
    assert model.train() is model
    bns = batch_norms(model)
    assert bns and all(bn.training != norm_eval for bn in bns)
    assert all(p.requires_grad for p in model.parameters())
    before = [bn.running_mean.clone() for bn in bns]
    model(torch.randn(2, 3, SIZE, SIZE))
    changed = [not torch.equal(b, bn.running_mean) for b, bn in zip(before, bns)]
    assert (not any(changed)) if norm_eval else all(changed)
