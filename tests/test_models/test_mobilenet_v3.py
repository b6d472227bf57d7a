"""TorchvisionMobileNetV3: the five-stage contract (strides 2..32), widths, freezing."""
import pytest
import torch
from helpers import make_divisible_spec
from torch.nn.modules.batchnorm import _BatchNorm

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.models import TorchvisionMobileNetV3

WIDENS = (0.35, 0.5, 0.75, 1.0, 1.25)
STRIDES = (2, 4, 8, 16, 32)
# Channels at the end of each output stride at width 1.0 (MobileNetV3 paper, Tables 1 and 2):
# large: stem 16 (and its first block), 24, 40, 112, 160; small: stem 16, 16, 24, 48, 96.
CHANNELS_1X = {'large': (16, 24, 40, 112, 160), 'small': (16, 16, 24, 48, 96)}


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


@pytest.mark.parametrize('arch', ['large', 'small'])
@pytest.mark.parametrize('widen_factor', WIDENS)
def test_strides_and_channels(arch, widen_factor):
    height, width = 96, 128
    model = TorchvisionMobileNetV3(arch, widen_factor, out_indices=(0, 1, 2, 3, 4)).eval()
    expected = [make_divisible_spec(c * widen_factor) for c in CHANNELS_1X[arch]]
    assert model.out_channels == expected
    with torch.no_grad():
        outs = model(torch.randn(1, 3, height, width))
    assert [tuple(o.shape) for o in outs] == [
        (1, c, height // s, width // s) for c, s in zip(expected, STRIDES)]


@pytest.mark.parametrize('widen_factor, stride4, stride32', [(0.5, 16, 80), (0.75, 24, 120)])
def test_paper_segmentation_baseline_channels(widen_factor, stride4, stride32):
    model = TorchvisionMobileNetV3('large', widen_factor, out_indices=(1, 4)).eval()
    assert (model.out_channels[1], model.out_channels[4]) == (stride4, stride32)
    with torch.no_grad():
        low, high = model(torch.randn(1, 3, 64, 64))
    assert low.shape == (1, stride4, 16, 16) and high.shape == (1, stride32, 2, 2)


@pytest.mark.parametrize('arch, num_blocks', [('large', 15), ('small', 11)])
def test_last_stage_drops_classifier_conv(arch, num_blocks):
    from torchvision.models.mobilenetv3 import InvertedResidual
    model = TorchvisionMobileNetV3(arch, 1.0)
    # stem + inverted residual blocks; the final 1x1 conv (960 / 576 channels) is dropped, so the
    # stride-32 output is the last inverted residual block
    assert len(model.features) == 1 + num_blocks
    assert isinstance(model.features[-1], InvertedResidual)
    assert model.stage_ends[-1] == num_blocks


@pytest.mark.parametrize('arch', ['large', 'small'])
@pytest.mark.parametrize('frozen_stages', [0, 2, 5])
def test_frozen_stages(arch, frozen_stages):
    model = TorchvisionMobileNetV3(arch, 0.5, frozen_stages=frozen_stages)
    model.train()
    last_frozen = 0 if frozen_stages == 0 else model.stage_ends[frozen_stages - 1]
    for i, layer in enumerate(model.features):
        frozen = i <= last_frozen
        assert all(p.requires_grad != frozen for p in layer.parameters()), i
        assert all(bn.training != frozen for bn in batch_norms(layer)), i
    # gradients stop at the frozen part
    model(torch.randn(2, 3, 64, 64, requires_grad=True))[0].sum().backward()
    for i, layer in enumerate(model.features[:model.stage_ends[-1] + 1]):
        frozen = i <= last_frozen
        assert all((p.grad is None) == frozen for p in layer.parameters()), i


def test_frozen_stage_one_is_stride_two():
    # frozen_stages=1 freezes exactly the layers that run at stride 2
    model = TorchvisionMobileNetV3('large', 1.0, frozen_stages=1)
    frozen = [i for i, layer in enumerate(model.features)
              if not any(p.requires_grad for p in layer.parameters())]
    assert frozen == [0, 1]


@pytest.mark.parametrize('norm_eval', [True, False])
def test_norm_eval(norm_eval):
    model = TorchvisionMobileNetV3('small', 0.5, norm_eval=norm_eval)
    model.train()
    bns = batch_norms(model)
    assert all(bn.training != norm_eval for bn in bns)
    assert all(p.requires_grad for p in model.parameters())
    before = [bn.running_mean.clone() for bn in bns]
    model(torch.randn(2, 3, 64, 64))
    unchanged = all(torch.equal(b, bn.running_mean) for b, bn in zip(before, bns))
    assert unchanged == norm_eval


@pytest.mark.parametrize('kwargs, name', [
    (dict(arch='medium'), 'arch'),
    (dict(widen_factor=0), 'widen_factor'),
    (dict(out_indices=(5, )), 'out_indices'),
    (dict(out_indices=()), 'out_indices'),
    (dict(frozen_stages=6), 'frozen_stages'),
])
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        TorchvisionMobileNetV3(**kwargs)
