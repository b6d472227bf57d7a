"""Convolution + activation as one oneDNN call: the fused eager model equals the unfused one."""
import copy
import pickle

import numpy as np
import pytest
import torch
import torchvision
from mmcv.cnn import ConvModule
from torch import nn

from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.deploy import onednn
from pplc_vision.deploy.engines import PyTorchEngine, as_tensor_module
from pplc_vision.deploy.fuse import deploy_model
from pplc_vision.deploy.onednn import OneDNNConv2d, fuse_conv_activation

from test_fuse import assert_close_relative, randomize_batchnorms



def test_this_torch_has_the_onednn_ops():
    # the fused eager path depends on them: their absence is a failure, not a skip
    assert onednn.onednn_available()


def test_pplcnet_engine_fuses_every_conv_exactly():
    model = as_tensor_module(build_pplcnet_classifier(1.0)).eval()
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1)).numpy()
    unfused = PyTorchEngine(model, 'fp32', fuse=False)
    fused = PyTorchEngine(model, 'fp32')
    # stem + 13 x (depthwise, pointwise) + 2 SE x 2 convs + the head's last conv
    assert fused.info()['onednn_fused_convs'] == 1 + 26 + 4 + 1
    convs = [m for m in fused.module.modules() if isinstance(m, OneDNNConv2d)]
    assert {m.attr for m in convs} == {'hardswish', 'relu', 'hardsigmoid', 'none'}
    assert not any(isinstance(m, (nn.Conv2d, ConvModule)) for m in fused.module.modules())
    assert_close_relative(torch.from_numpy(fused(x)[0]), torch.from_numpy(unfused(x)[0]), 1e-5)
    # other input sizes run on the weights packed at the first call
    small = x[:, :, :96, :128].copy()
    assert_close_relative(torch.from_numpy(fused(small)[0]),
                          torch.from_numpy(unfused(small)[0]), 1e-5)


def test_bf16_engine_keeps_autocast_convolutions():
    model = build_pplcnet_classifier(0.25).eval()
    assert PyTorchEngine(model, 'bf16').info()['onednn_fused_convs'] == 0


@pytest.mark.parametrize('build', [
    lambda: torchvision.models.mobilenet_v3_small(width_mult=0.35),  # hardswish, relu, SE
    lambda: torchvision.models.mobilenet_v2(width_mult=0.5),  # relu6 -> hardtanh(0, 6)
    lambda: torchvision.models.shufflenet_v2_x0_5(),  # relu, channel shuffle
])
def test_torchvision_blocks_fuse_exactly(build):
    model = build().eval()
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(2))
    fused, _, _ = deploy_model(model)
    replaced = fuse_conv_activation(fused)
    assert replaced == sum(isinstance(m, nn.Conv2d) for m in model.modules())
    assert any(m.attr != 'none' for m in fused.modules() if isinstance(m, OneDNNConv2d))
    with torch.no_grad():
        assert_close_relative(fused(x), model(x), 1e-5)


def test_conv_module_can_still_skip_its_activation():
    block = ConvModule(4, 6, 3, padding=1, act_cfg=dict(type='LeakyReLU', negative_slope=0.1))
    block.eval()
    model = nn.Sequential(block).eval()
    reference = copy.deepcopy(model)
    assert fuse_conv_activation(model) == 1
    assert isinstance(model[0], OneDNNConv2d) and model[0].attr == 'leaky_relu'
    x = torch.randn(2, 4, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(model[0](x), reference[0](x))
        torch.testing.assert_close(model[0](x, activate=False), reference[0](x, activate=False))


def test_fused_model_copies_and_pickles_after_running():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Hardswish()).eval()
    fuse_conv_activation(model)
    x = torch.randn(1, 3, 8, 8)
    with torch.no_grad():
        expected = model(x)  # packs the weights
        for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
            torch.testing.assert_close(clone(x), expected)
    assert set(model.state_dict()) == {'0.weight', '0.bias'}


def test_unsupported_layers_are_left_alone(monkeypatch):
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, padding_mode='reflect'), nn.GELU(),
                          nn.Conv2d(4, 4, 1), nn.GELU()).eval()
    assert fuse_conv_activation(model) == 1  # the reflect-padded conv stays, GELU stays apart
    assert type(model[0]) is nn.Conv2d and isinstance(model[1], nn.GELU)
    assert isinstance(model[2], OneDNNConv2d) and model[2].attr == 'none'
    with pytest.raises(ValueError, match='cannot run .* as one oneDNN call'):
        OneDNNConv2d(nn.Conv2d(3, 4, 3), nn.GELU())
    with pytest.raises(ValueError, match='eval mode'):
        fuse_conv_activation(nn.Sequential(nn.Conv2d(3, 4, 3)).train())
    monkeypatch.setattr(onednn, 'onednn_available', lambda: False)
    plain = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()).eval()
    assert fuse_conv_activation(plain) == 0 and type(plain[0]) is nn.Conv2d


def test_fused_output_is_a_normal_tensor():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()).eval()
    fuse_conv_activation(model)
    with torch.no_grad():
        out = model(torch.randn(1, 3, 8, 8))
    assert not out.is_mkldnn and out.dtype == torch.float32
    assert np.all(out.numpy() >= 0)
