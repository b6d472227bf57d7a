"""Conv+BN folding and re-parameterisation: the deployed eager model equals the original."""
import copy
import os

import mmcv.cnn
import pytest
import torch
import torchvision
from mmcv.cnn import ConvModule
from timm.models.mobilenetv3 import _gen_mobilenet_v3
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from pplc_vision.apis import build_model_from_config, load_config
from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.deploy.engines import as_tensor_module
from pplc_vision.deploy.fuse import deploy_model, fuse_conv_bn, reparameterize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


def count_norms(model: nn.Module) -> int:
    return sum(isinstance(m, _BatchNorm) for m in model.modules())


def relative_error(ours: torch.Tensor, ref: torch.Tensor) -> float:
    return ((ours - ref).abs().max() / ref.abs().max()).item()


def assert_close_relative(ours: torch.Tensor, ref: torch.Tensor, tol: float) -> None:
    rel = relative_error(ours, ref)
    assert rel < tol, f'relative error {rel:.2e} >= {tol}'


def flat_output(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        out = model(x)
    return out if isinstance(out, torch.Tensor) else torch.cat([t.flatten() for t in out])


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
    assert folded == count_norms(model) and count_norms(fused) == 0
    with torch.no_grad():
        assert_close_relative(fused(x), model(x), 1e-5)


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


@pytest.mark.parametrize('config,folded', [
    ('configs/det/picodet_pplcnet_0.5x_coco.py', 39),  # PP-LCNet + PicoDet's ConvModules
    ('configs/det/picodet_mobilenetv3-large_0.35x_coco.py', 58),  # Paddle MobileNetV3
    ('configs/det/picodet_mobileone_s1_coco.py', 12),  # MobileOne: merged first, then neck/head
    ('configs/seg/deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py', 60),
])
def test_config_models_fold_every_batchnorm_as_mmcv_does(config, folded):
    """Every BatchNorm of the package's detectors and segmenters folds, exactly, and the pairs
    are those that mmcv's own whole-model walk finds on these modules."""
    model = as_tensor_module(build_model_from_config(load_config(os.path.join(ROOT, config))))
    model.eval()
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(4))
    fused, _, count = deploy_model(model)
    assert count == folded
    assert count_norms(fused) == 0
    assert relative_error(flat_output(fused, x), flat_output(model, x)) < 1e-5
    by_mmcv = copy.deepcopy(model)
    with torch.no_grad():
        reparameterize(by_mmcv)
        before = count_norms(by_mmcv)
        mmcv.cnn.fuse_conv_bn(by_mmcv)
    assert before - count_norms(by_mmcv) == count


@pytest.mark.parametrize('build,channels', [
    (lambda: nn.Sequential(ConvModule(8, 8, 3, padding=1, norm_cfg=dict(type='BN'),
                                      order=('norm', 'conv', 'act'))), 8),
    (lambda: nn.Sequential(ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type='BN'),
                                      order=('conv', 'act', 'norm'))), 3),
    (lambda: _gen_mobilenet_v3('mobilenetv3_large_100', 0.5, pretrained=False), 3),
])
def test_norms_that_mmcv_would_fold_wrongly_stay(build, channels):
    """A norm before the conv, a norm after the activation, and timm's BatchNormAct2d (an
    activation inside the norm) are not folded; mmcv's children-order walk folds them all and
    changes the output (the reason :mod:`pplc_vision.deploy.fuse` picks the pairs itself)."""
    torch.manual_seed(0)
    model = build().eval()
    randomize_batchnorms(model)
    x = torch.randn(1, channels, 32, 32, generator=torch.Generator().manual_seed(5))
    reference = flat_output(model, x)
    fused, _, count = deploy_model(model)
    assert count == 0 and count_norms(fused) == count_norms(model)
    assert relative_error(flat_output(fused, x), reference) < 1e-6
    by_mmcv = copy.deepcopy(model)
    with torch.no_grad():
        mmcv.cnn.fuse_conv_bn(by_mmcv)
    assert count_norms(by_mmcv) < count_norms(model)
    assert relative_error(flat_output(by_mmcv, x), reference) > 1e-2
