"""MobileOne builds by name in the mmdet and mmseg scopes and keeps the out_indices contract."""
import pytest
import torch
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope
from mmpretrain.models.backbones import MobileOne as MMPretrainMobileOne

from pplc_vision.models import MobileOne, mobileone_out_channels
from pplc_vision.registry import build_in_scope, scope_model_registry

# channels of out_indices 0..3 (strides 4, 8, 16, 32), as the module docstring lists them
CHANNELS = {'s0': [48, 128, 256, 1024], 's1': [96, 192, 512, 1280], 's2': [96, 256, 640, 2048],
            's3': [128, 320, 768, 2048], 's4': [192, 448, 896, 2048]}


@pytest.mark.parametrize('scope', ['mmdet', 'mmseg'])
@pytest.mark.parametrize('type_name, cls', [('MobileOne', MobileOne),
                                            ('mmpretrain.MobileOne', MMPretrainMobileOne)])
def test_builds_by_name_in_downstream_scopes(scope, type_name, cls):
    cfg = dict(type=type_name, arch='s0', out_indices=(0, 1, 2, 3))
    with DefaultScope.overwrite_default_scope(scope):
        # the scope's own registry, and the root registry that nested config dicts go through
        models = [scope_model_registry(scope).build(dict(cfg)), ROOT_MODELS.build(dict(cfg))]
    x = torch.randn(1, 3, 64, 64)
    for model in models:
        assert type(model) is cls
        model.eval()  # mmpretrain's own train() returns None: no chaining
        with torch.no_grad():
            outs = model(x)
        assert [o.shape[1:] for o in outs] == \
            [(c, 64 // s, 64 // s) for c, s in zip(CHANNELS['s0'], (4, 8, 16, 32))]


def test_mmpretrain_scope_keeps_its_own_class():
    assert type(build_in_scope(dict(type='MobileOne', arch='s0'), 'mmpretrain')) is \
        MMPretrainMobileOne


@pytest.mark.parametrize('arch', sorted(CHANNELS))
def test_out_indices_contract(arch):
    model = MobileOne(arch, out_indices=(0, 1, 2, 3)).eval()
    assert model.out_channels == mobileone_out_channels(arch) == CHANNELS[arch]
    assert model.out_indices == (0, 1, 2, 3)
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape[1:]) for o in outs] == \
        [(c, 64 // s, 64 // s) for c, s in zip(CHANNELS[arch], (4, 8, 16, 32))]


def test_same_weights_as_mmpretrain():
    ours, theirs = MobileOne('s1', out_indices=(3, )), MMPretrainMobileOne('s1')
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    ours.load_state_dict(theirs.state_dict())
    ours.eval()
    theirs.eval()  # mmpretrain's train() returns None: no chaining
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x))


def test_train_returns_module_and_freezes_stages():
    model = MobileOne('s0', frozen_stages=1, norm_eval=True)
    assert model.train() is model
    assert not any(p.requires_grad for p in model.stage0.parameters())
    assert not any(p.requires_grad for p in model.stage1.parameters())
    assert all(p.requires_grad for p in model.stage2.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))


@pytest.mark.parametrize('kwargs, message', [
    (dict(arch='s5'), r"MobileOne: unknown arch 's5'; expected one of \['s0', .*'s4'\]"),
    (dict(arch='S1'), r"unknown arch 'S1'"),
    (dict(arch=[1, 2]), r'arch must be a name or a dict with width_factor'),
    (dict(arch='s0', out_indices=(4, )),
     r'MobileOne: out_indices must be increasing stage indices in 0\.\.3 .*got \(4,\)$'),
    (dict(arch='s0', out_indices=()), r'out_indices must be increasing stage indices in 0\.\.3'),
    (dict(arch='s0', frozen_stages=5), r'frozen_stages must be in -1..4, got 5'),
])
def test_bad_arguments_give_one_line_errors(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        build_in_scope(dict(type='MobileOne', **kwargs), 'mmdet')
    assert '\n' not in str(info.value)
