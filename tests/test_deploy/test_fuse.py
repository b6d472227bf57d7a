"""Conv+BN folding and re-parameterisation: the deployed eager model equals the original."""
import pytest
import torch
import torchvision
from mmcv.cnn import ConvModule
from torch import nn

from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.deploy.engines import as_tensor_module
from pplc_vision.deploy.fuse import deploy_model, fuse_conv_bn


def randomize_batchnorms(model: nn.Module, seed: int = 0) -> None:
    """Non-trivial BN statistics and affine parameters, so that folding errors show."""
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen) * 0.3)
            m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=gen) * 0.2)


def assert_close_relative(ours: torch.Tensor, ref: torch.Tensor, tol: float) -> None:
    rel = ((ours - ref).abs().max() / ref.abs().max()).item()
    assert rel < tol, f'relative error {rel:.2e} >= {tol}'


def test_fused_pplcnet_equals_unfused():
    model = as_tensor_module(build_pplcnet_classifier(1.0)).eval()
    randomize_batchnorms(model)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    fused, switched, folded = deploy_model(model)
    assert folded == 27  # the stem and both convs of the 13 blocks
    assert switched == 0
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules()), 'original modified'
    with torch.no_grad():
        assert_close_relative(fused(x)[0], model(x)[0], 1e-5)


@pytest.mark.parametrize('build', [
    lambda: torchvision.models.mobilenet_v3_small(width_mult=0.35),
    lambda: torchvision.models.shufflenet_v2_x0_5(),
    lambda: torchvision.models.mobilenet_v2(width_mult=0.5),
])
def test_torchvision_baselines_fuse_exactly(build):
    model = build().eval()
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(2))
    fused, _, folded = deploy_model(model)
    assert folded > 0
    with torch.no_grad():
        assert_close_relative(fused(x), model(x), 1e-5)


def test_norm_before_conv_is_left_alone():
    block = ConvModule(8, 8, 3, padding=1, norm_cfg=dict(type='BN'),
                       order=('norm', 'conv', 'act')).eval()
    randomize_batchnorms(block)
    x = torch.randn(1, 8, 16, 16)
    fused, _, folded = deploy_model(block)
    assert folded == 0
    with torch.no_grad():
        torch.testing.assert_close(fused(x), block(x))


def test_mobileone_is_reparameterized_then_fused():
    from mmpretrain.models.backbones import MobileOne
    model = MobileOne('s0', out_indices=(3, ))
    model.eval()  # MobileOne.train() returns None
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(3))
    fused, switched, _ = deploy_model(model)
    assert switched > 0
    assert all(getattr(m, 'deploy', True) for m in fused.modules() if hasattr(m, 'deploy'))
    with torch.no_grad():
        assert_close_relative(fused(x)[0], model(x)[0], 1e-4)


def test_training_mode_is_refused():
    model = build_pplcnet_classifier(0.25).train()
    with pytest.raises(ValueError, match='eval mode'):
        fuse_conv_bn(model)
