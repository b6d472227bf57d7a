"""MobileOne's deploy form equals its training structure (eval mode) in all three tasks, and the
re-parameterisation walk switches each block exactly once and says so."""
import copy

import pytest
import torch
from torch import nn
from torch.utils._pytree import tree_leaves

from mobileone_helpers import DET_CONFIG, SEG_CONFIG
from test_fuse import randomize_batchnorms

from pplc_vision.apis import build_model_from_config
from pplc_vision.deploy import reparam
from pplc_vision.deploy.fuse import deploy_model
from pplc_vision.registry import build_in_scope

TOL = 1e-5  # relative: max |deploy - train| / max |train|


def relative_error(ours, ref) -> float:
    pairs = list(zip(tree_leaves(ours), tree_leaves(ref)))
    assert pairs
    return max(((a - b).abs().max() / b.abs().max()).item() for a, b in pairs)


def mobileone_classifier() -> nn.Module:
    model = build_in_scope(dict(
        type='ImageClassifier', backbone=dict(type='MobileOne', arch='s0'),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=1024)), 'mmpretrain')
    model.eval()
    randomize_batchnorms(model)
    return model


def is_branch_free(model: nn.Module) -> bool:
    blocks = [m for m in model.modules() if type(m).__name__ == 'MobileOneBlock']
    return bool(blocks) and all(m.deploy and not hasattr(m, 'branch_conv_list') for m in blocks)


def test_classifier_switch_is_exact_logged_and_idempotent(monkeypatch):
    logged = []
    monkeypatch.setattr(reparam, 'report', logged.append)
    model = mobileone_classifier()
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    deployed = copy.deepcopy(model)
    switched = reparam.switch_to_deploy(deployed)
    # the backbone is switched once, as a whole: stage0 + 2 blocks x (2 + 8 + 10 + 1) layers
    assert switched == [reparam.SwitchedModule('backbone', 'MobileOne', 43)]
    assert logged == ['re-parameterised to the deploy form (branches merged): '
                      'backbone (MobileOne, 43 blocks)']
    assert is_branch_free(deployed) and not is_branch_free(model)
    assert reparam.switch_to_deploy(deployed) == [] and len(logged) == 1
    with torch.no_grad():
        assert relative_error(deployed(x, mode='tensor'), model(x, mode='tensor')) < TOL


def test_classifier_onnx_export_is_branch_free_and_exact(tmp_path):
    import onnx
    import onnxruntime as ort
    from pplc_vision.deploy import export_onnx
    from pplc_vision.deploy.tasks import ClassifierExportWrapper
    model = ClassifierExportWrapper(mobileone_classifier())
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 255
    with torch.no_grad():
        ref = model(x)
    deployed = copy.deepcopy(model)
    reparam.switch_to_deploy(deployed)
    path = export_onnx(deployed, x, str(tmp_path / 'mobileone.onnx'))
    convs = [n for n in onnx.load(path).graph.node if n.op_type == 'Conv']
    assert len(convs) == 43  # one convolution per block: no branch left
    out = ort.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, {'input': x.numpy()})[0]
    assert relative_error(torch.from_numpy(out), ref) < TOL


@pytest.mark.parametrize('config', [DET_CONFIG, SEG_CONFIG], ids=['picodet', 'deeplabv3plus'])
def test_fused_detector_and_segmenter_equal_training_structure(load_mobileone_config, config):
    model = build_model_from_config(load_mobileone_config(config))
    randomize_batchnorms(model)
    x = torch.randn(1, 3, 128, 160, generator=torch.Generator().manual_seed(2))
    # deploy_model: the deployment path (re-parameterisation, then BN folding) on a copy
    fused, _, folded = deploy_model(model)
    assert is_branch_free(fused) and not is_branch_free(model) and folded > 0
    with torch.no_grad():
        # features (backbone and neck), then what the head makes of them
        assert relative_error(fused.extract_feat(x), model.extract_feat(x)) < TOL
        assert relative_error(fused(x, mode='tensor'), model(x, mode='tensor')) < TOL


class _Block(nn.Module):
    """A re-parameterisable block; ``flag=False`` gives it no ``deploy`` attribute."""

    def __init__(self, flag: bool = True) -> None:
        super().__init__()
        self.calls = 0
        if flag:
            self.deploy = False

    def switch_to_deploy(self) -> None:
        self.calls += 1
        if hasattr(self, 'deploy'):
            self.deploy = True


class _Network(_Block):
    """Switches its own blocks (as mmpretrain's MobileOne and RepVGG do) unless told not to."""

    def __init__(self, covers: bool = True, flag: bool = True) -> None:
        super().__init__()
        self.covers = covers
        self.blocks = nn.Sequential(_Block(flag), _Block(flag))

    def switch_to_deploy(self) -> None:
        super().switch_to_deploy()
        if self.covers:
            for block in self.blocks:
                block.switch_to_deploy()


@pytest.mark.parametrize('covers, flag', [(True, True), (True, False), (False, True)])
def test_each_block_is_switched_once(covers, flag):
    model = nn.Sequential(_Network(covers, flag), _Block(flag=False))
    switched = reparam.switch_to_deploy(model, log=False)
    assert [m.calls for m in model.modules() if isinstance(m, _Block)] == [1, 1, 1, 1]
    names = ['0'] + ([] if covers else ['0.blocks.0', '0.blocks.1']) + ['1']
    assert [s.name for s in switched] == names
    assert reparam.switch_to_deploy(model, log=False) == []  # a second walk switches nothing
    assert [m.calls for m in model.modules() if isinstance(m, _Block)] == [1, 1, 1, 1]


def test_models_without_reparameterisable_modules_are_left_alone(monkeypatch):
    logged = []
    monkeypatch.setattr(reparam, 'report', logged.append)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
    assert reparam.switch_to_deploy(model) == [] and logged == []
