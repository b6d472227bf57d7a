"""PyTorchEngine in fp32 runs the BN-folded network traced, frozen and optimised for inference
(convolution + activation as one oneDNN call): its outputs equal the eager network's."""
import pytest
import torch
import torchvision
from torch import nn

from pplc_vision.benchmark import eager_fusion
from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.deploy.engines import PyTorchEngine, as_tensor_module, build_engine
from pplc_vision.deploy.fuse import deploy_model
from pplc_vision.deploy.jit_freeze import freeze_for_inference

from test_fuse import assert_close_relative, randomize_batchnorms


def test_pplcnet_engine_is_frozen_and_exact():
    model = as_tensor_module(build_pplcnet_classifier(1.0)).eval()
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    unfused = PyTorchEngine(model, 'fp32', fuse=False)
    fused = build_engine(model, x, 'pytorch', 'fp32')
    assert fused.info()['frozen_for_inference'] and not unfused.info()['frozen_for_inference']
    assert isinstance(fused.module, torch.jit.ScriptModule)
    kinds = {node.kind() for node in fused.module.graph.nodes()}
    assert not any('batch_norm' in k for k in kinds), kinds  # BN folded
    assert not any(k in ('aten::hardswish', 'aten::relu') for k in kinds), kinds  # fused
    x = x.numpy()
    assert_close_relative(torch.from_numpy(fused(x)[0]), torch.from_numpy(unfused(x)[0]), 1e-5)
    # other input sizes and batches run on the same frozen graph
    for other in (x[:, :, :96, :128].copy(), x.repeat(2, axis=0)):
        assert_close_relative(torch.from_numpy(fused(other)[0]),
                              torch.from_numpy(unfused(other)[0]), 1e-5)


def test_bf16_and_example_less_engines_stay_eager():
    model = build_pplcnet_classifier(0.25).eval()
    x = torch.randn(1, 3, 64, 64)
    assert not PyTorchEngine(model, 'bf16', example=x).info()['frozen_for_inference']
    assert not PyTorchEngine(model, 'fp32').info()['frozen_for_inference']


@pytest.mark.parametrize('build', [
    lambda: torchvision.models.mobilenet_v3_small(width_mult=0.35),  # hardswish, relu, SE
    lambda: torchvision.models.mobilenet_v2(width_mult=0.5),  # relu6 -> hardtanh(0, 6)
    lambda: torchvision.models.shufflenet_v2_x0_5(),  # relu, channel shuffle
])
def test_torchvision_networks_freeze_exactly(build):
    model = build().eval()
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 128, 128, generator=torch.Generator().manual_seed(2))
    deployed, _, _ = deploy_model(model)
    frozen = freeze_for_inference(deployed, x)
    with torch.no_grad():
        assert_close_relative(frozen(x), model(x), 1e-5)


def test_freezing_a_training_module_is_an_error():
    with pytest.raises(ValueError, match='must be in eval mode'):
        freeze_for_inference(nn.Sequential(nn.Conv2d(3, 4, 3)).train(), torch.randn(1, 3, 8, 8))


def test_eager_fusion_comparison_times_each_path_and_reports_failures(monkeypatch):
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Hardswish(),
                          nn.Conv2d(8, 4, 1), nn.ReLU()).eval()
    randomize_batchnorms(model)
    example = torch.randn(1, 3, 16, 16)
    results = eager_fusion.compare_eager_fusion(model, example, ('eager', 'jit'),
                                                warmup=1, iters=3)
    assert [r.path for r in results] == ['eager', 'jit']
    assert all(r.error is None and r.stats.iters == 3 for r in results)
    assert results[0].max_rel_diff == 0.0
    assert all(r.max_rel_diff < 1e-5 for r in results[1:])  # same network, other kernels

    def broken(deployed, x):
        raise RuntimeError('no C++ compiler\nsecond line')
    monkeypatch.setitem(eager_fusion._BUILDERS, 'compile', broken)
    results = eager_fusion.compare_eager_fusion(model, example, ('eager', 'compile'), 0, 2)
    assert results[1].stats is None and results[1].error == 'RuntimeError: no C++ compiler'
    text = eager_fusion.render_eager_fusion(results, 'T', 'Measured on X.', 'python tool.py')
    assert 'Command: `python tool.py`' in text and 'Precision fp32' in text
    assert '| `torch.compile` (TorchInductor, CPU) | failed: RuntimeError: no C++ compiler |' \
        in text
    with pytest.raises(ValueError, match='paths must be among'):
        eager_fusion.compare_eager_fusion(model, example, ('tensorrt', ))
