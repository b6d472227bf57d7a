"""PaddleMobileNetV3: Paddle's widths and blocks, the five-stage contract, the classifier conv,
freezing and argument errors. Parity with Paddle's own code: tests/test_converters."""
import pytest
import torch
from helpers import make_divisible_spec
from torch.nn.modules.batchnorm import _BatchNorm

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.models import PaddleMobileNetV3
from pplc_vision.models.backbones.paddle_mobilenet_v3 import SlopeHardsigmoid

STRIDES = (2, 4, 8, 16, 32)
# Channels at the end of each output stride at width 1.0 (MobileNetV3 paper, Tables 1 and 2):
# large: the first block, 24, 40, 112, 160; small: the stem alone, then 16, 24, 48, 96.
CHANNELS_1X = {'large': (16, 24, 40, 112, 160), 'small': (16, 16, 24, 48, 96)}
NUM_BLOCKS = {'large': 15, 'small': 11}
LAST_CONV_1X = {'large': 960, 'small': 576}


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


@pytest.mark.parametrize('arch, widen_factor', [('large', 0.35), ('large', 0.75),
                                                ('small', 0.35), ('small', 1.25)])
def test_stage_channels_and_strides(arch, widen_factor):
    height, width = 64, 96
    model = PaddleMobileNetV3(arch, widen_factor, out_indices=(0, 1, 2, 3, 4)).eval()
    expected = [make_divisible_spec(c * widen_factor) for c in CHANNELS_1X[arch]]
    assert model.out_channels == expected
    with torch.no_grad():
        outs = model(torch.randn(1, 3, height, width))
    assert [tuple(o.shape) for o in outs] == [
        (1, c, height // s, width // s) for c, s in zip(expected, STRIDES)]


@pytest.mark.parametrize('arch', ['large', 'small'])
def test_paddle_block_layout(arch):
    model = PaddleMobileNetV3(arch, 0.35)
    assert len(model.blocks) == NUM_BLOCKS[arch]
    # the stem follows the width too, and every block has its expand conv (torchvision's first
    # large block has none)
    assert model.conv.conv.out_channels == make_divisible_spec(16 * 0.35) == 8
    assert all(block.expand_conv is not None for block in model.blocks)
    # SE squeezes to mid // 4 without rounding, with biases: large block 3 has 72 x 0.35 -> 24
    # mid channels and a 6-channel squeeze; small block 0 16 x 0.35 -> 8 and 2
    index, mid = {'large': (3, 24), 'small': (0, 8)}[arch]
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes[f'blocks.{index}.mid_se.conv1.conv.weight'] == (mid // 4, mid, 1, 1)
    assert shapes[f'blocks.{index}.mid_se.conv1.conv.bias'] == (mid // 4, )
    assert shapes[f'blocks.{index}.mid_se.conv2.conv.weight'] == (mid, mid // 4, 1, 1)


def test_se_gate_is_paddles_hardsigmoid():
    gate = PaddleMobileNetV3('small', 0.5).blocks[0].mid_se.conv2.activate
    assert isinstance(gate, SlopeHardsigmoid)
    x = torch.tensor([-3.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    # Paddle: clip(0.2 x + 0.5, 0, 1); torch's Hardsigmoid would give x / 6 + 0.5
    torch.testing.assert_close(gate(x), torch.tensor([0.0, 0.3, 0.5, 0.7, 0.9, 1.0]))


@pytest.mark.parametrize('arch, widen_factor', [('large', 0.5), ('small', 1.25)])
def test_with_last_conv(arch, widen_factor):
    plain = PaddleMobileNetV3(arch, widen_factor, out_indices=(1, 4))
    assert not any(k.startswith('last_second_conv.') for k in plain.state_dict())
    model = PaddleMobileNetV3(arch, widen_factor, out_indices=(1, 4), with_last_conv=True).eval()
    last = make_divisible_spec(LAST_CONV_1X[arch] * widen_factor)
    assert model.out_channels[4] == last and model.out_channels[:4] == plain.out_channels[:4]
    assert model.last_second_conv.conv.kernel_size == (1, 1)
    with torch.no_grad():
        low, high = model(torch.randn(1, 3, 64, 64))
    assert low.shape == (1, plain.out_channels[1], 16, 16)
    assert high.shape == (1, last, 2, 2)
    # the classifier conv belongs to the last stage: frozen with it, trained with it
    frozen = PaddleMobileNetV3(arch, widen_factor, frozen_stages=5, with_last_conv=True)
    assert not any(p.requires_grad for p in frozen.last_second_conv.parameters())


@pytest.mark.parametrize('arch, frozen_stages, last_frozen_block', [
    ('large', 0, -1), ('large', 2, 2), ('large', 5, 14), ('small', 1, -1), ('small', 2, 0),
    ('small', 4, 7)])
def test_frozen_stages(arch, frozen_stages, last_frozen_block):
    model = PaddleMobileNetV3(arch, 0.35, frozen_stages=frozen_stages)
    model.train()
    assert not any(p.requires_grad for p in model.conv.parameters())
    assert not any(bn.training for bn in batch_norms(model.conv))
    for i, block in enumerate(model.blocks):
        frozen = i <= last_frozen_block
        assert all(p.requires_grad != frozen for p in block.parameters()), i
        assert all(bn.training != frozen for bn in batch_norms(block)), i
    model(torch.randn(2, 3, 64, 64, requires_grad=True))[0].sum().backward()
    for i, block in enumerate(model.blocks):
        frozen = i <= last_frozen_block
        assert all((p.grad is None) == frozen for p in block.parameters()), i


@pytest.mark.parametrize('norm_eval', [True, False])
def test_norm_eval(norm_eval):
    model = PaddleMobileNetV3('large', 0.35, norm_eval=norm_eval, with_last_conv=True)
    model.train()
    bns = batch_norms(model)
    assert all(bn.training != norm_eval for bn in bns)
    before = [bn.running_mean.clone() for bn in bns]
    model(torch.randn(2, 3, 64, 64))
    unchanged = [torch.equal(b, bn.running_mean) for b, bn in zip(before, bns)]
    assert all(unchanged) if norm_eval else not any(unchanged)


@pytest.mark.parametrize('kwargs, message', [
    (dict(arch='medium'), "PaddleMobileNetV3: arch must be one of ('large', 'small'), "
     "got 'medium'"),
    (dict(widen_factor=0), 'PaddleMobileNetV3: widen_factor must be a positive number, got 0'),
    (dict(out_indices=(5, )), 'PaddleMobileNetV3: out_indices must be increasing stage indices'),
    (dict(frozen_stages=6), 'PaddleMobileNetV3: frozen_stages must be in -1..5, got 6'),
])
def test_bad_arguments_give_one_line_error(kwargs, message):
    with pytest.raises(ValueError) as info:
        PaddleMobileNetV3(**kwargs)
    assert str(info.value).startswith(message) and '\n' not in str(info.value)
