"""PPLCNet and PPLCNetClsHead: paper sizes, output contract, freezing, ablation switches."""
import pytest
import torch
from helpers import make_divisible_spec
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.benchmark import measure_complexity
from pplc_vision.models import PPLCNet, PPLCNetClsHead, PPLCNetMultiLabelClsHead

# Paper Table 2: scale -> (params in M, FLOPs = MACs in M) at 224x224, 1000 classes.
TABLE2 = {
    0.25: (1.5, 18),
    0.35: (1.6, 29),
    0.5: (1.9, 47),
    0.75: (2.4, 99),
    1.0: (3.0, 161),
    1.5: (4.5, 342),
    2.0: (6.5, 590),
    2.5: (9.0, 906),
}
STAGE_CHANNELS = (32, 64, 128, 256, 512)
STAGE_STRIDES = (2, 4, 8, 16, 32)


def build_classifier(scale: float, **head_kwargs) -> nn.Module:
    """The full PP-LCNet classifier as the paper counts it, built by mmpretrain from a dict."""
    cfg = dict(
        type='ImageClassifier',
        backbone=dict(type='PPLCNet', widen_factor=scale),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='PPLCNetClsHead', num_classes=1000,
                  in_channels=make_divisible_spec(512 * scale), **head_kwargs))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def batch_norms(module: nn.Module):
    return [m for m in module.modules() if isinstance(m, _BatchNorm)]


@pytest.mark.parametrize('scale', sorted(TABLE2))
def test_paper_table2_params_and_macs(scale):
    # The paper's FLOPs count convs and the FC layer one per MAC plus BN (two per element) and
    # pooling, as FlopAnalyzer's defaults do; convs + FC alone are 7% low at 0.25x.
    paper_params, paper_macs = TABLE2[scale]
    size = measure_complexity(build_classifier(scale), (3, 224, 224))
    assert round(size.params_m, 1) == paper_params, (scale, size.params_m)
    # within 2% as the README's table states (measured: at most +1.6%, at 0.35x)
    assert abs(size.macs_m - paper_macs) / paper_macs < 0.02, (scale, size.macs_m)


@pytest.mark.parametrize('scale', [0.25, 0.35, 0.5, 1.0, 2.5])
def test_out_indices_strides_and_channels(scale):
    height, width = 96, 128
    model = PPLCNet(widen_factor=scale, out_indices=(0, 1, 2, 3, 4)).eval()
    expected_channels = [make_divisible_spec(c * scale) for c in STAGE_CHANNELS]
    assert model.out_channels == expected_channels
    with torch.no_grad():
        outs = model(torch.randn(1, 3, height, width))
    assert len(outs) == 5
    for out, stride, channels in zip(outs, STAGE_STRIDES, expected_channels):
        assert tuple(out.shape) == (1, channels, height // stride, width // stride)


def test_out_indices_subset_in_order():
    model = PPLCNet(widen_factor=0.5, out_indices=(1, 4)).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 16, 24), (1, 256, 2, 3)]


def test_known_channels_at_quarter_and_paper_scales():
    # Hand-checked values of make_divisible(c * scale, 8).
    assert PPLCNet(widen_factor=0.25).out_channels == [8, 16, 32, 64, 128]
    assert PPLCNet(widen_factor=0.35).out_channels == [16, 24, 48, 88, 176]
    assert PPLCNet(widen_factor=1.0).out_channels == [32, 64, 128, 256, 512]
    assert PPLCNet(widen_factor=2.5).out_channels == [80, 160, 320, 640, 1280]


@pytest.mark.parametrize('frozen_stages', [0, 2, 5])
def test_frozen_stages(frozen_stages):
    model = PPLCNet(widen_factor=0.25, frozen_stages=frozen_stages)
    model.train()
    layers = ('conv1', 'blocks2', 'blocks3', 'blocks4', 'blocks5', 'blocks6')
    for i, name in enumerate(layers):
        layer = getattr(model, name)
        frozen = i <= frozen_stages
        assert all(p.requires_grad != frozen for p in layer.parameters()), name
        assert all(bn.training != frozen for bn in batch_norms(layer)), name
    # frozen BN statistics stay put in a training forward
    frozen_bn = batch_norms(model.conv1)[0]
    before = frozen_bn.running_mean.clone()
    model(torch.randn(2, 3, 32, 32))
    assert torch.equal(frozen_bn.running_mean, before)


def test_frozen_stages_gradients_stop():
    model = PPLCNet(widen_factor=0.25, frozen_stages=1, out_indices=(4, ))
    model.train()
    model(torch.randn(2, 3, 32, 32))[0].sum().backward()
    assert all(p.grad is None for p in model.blocks2.parameters())
    assert all(p.grad is not None for p in model.blocks3.parameters())


@pytest.mark.parametrize('norm_eval', [True, False])
def test_norm_eval(norm_eval):
    model = PPLCNet(widen_factor=0.25, norm_eval=norm_eval)
    model.train()
    bns = batch_norms(model)
    assert all(bn.training != norm_eval for bn in bns)
    assert all(p.requires_grad for p in model.parameters())
    before = [bn.running_mean.clone() for bn in bns]
    model(torch.randn(2, 3, 32, 32))
    unchanged = all(torch.equal(b, bn.running_mean) for b, bn in zip(before, bns))
    assert unchanged == norm_eval
    model.eval()
    assert not any(bn.training for bn in bns)


def test_se_blocks_mask_adds_params():
    default = PPLCNet(widen_factor=0.5)
    all_se = PPLCNet(widen_factor=0.5, se_blocks='1111111111111')
    n_params = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n_params(all_se) > n_params(default)
    assert sum(1 for m in default.modules() if getattr(m, 'se', None) is not None) == 2
    assert sum(1 for m in all_se.modules() if getattr(m, 'se', None) is not None) == 13
    first_only = PPLCNet(widen_factor=0.5, se_blocks='1000000000000')
    assert first_only.blocks2[0].se is not None and first_only.blocks6[1].se is None
    assert PPLCNet(widen_factor=0.5, se_blocks=[0] * 11 + [1, 1]).se_blocks == default.se_blocks


def test_large_kernel_mask_lowers_macs():
    default = PPLCNet(widen_factor=0.5)
    small = PPLCNet(widen_factor=0.5, large_kernel_blocks='0000000000000')
    assert default.blocks6[0].dw_conv.conv.kernel_size == (5, 5)
    assert small.blocks6[0].dw_conv.conv.kernel_size == (3, 3)
    macs_default = measure_complexity(default, (3, 224, 224)).macs
    macs_small = measure_complexity(small, (3, 224, 224)).macs
    assert macs_small < macs_default
    first = PPLCNet(widen_factor=0.5, large_kernel_blocks='1000000000000')
    assert first.blocks2[0].dw_conv.conv.kernel_size == (5, 5)
    assert first.blocks5[1].dw_conv.conv.kernel_size == (3, 3)


def test_relu_activation_builds():
    model = PPLCNet(widen_factor=0.25, act_cfg=dict(type='ReLU')).eval()
    kinds = {type(m) for m in model.modules()}
    assert nn.ReLU in kinds and nn.Hardswish not in kinds
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 64))[0]
    assert out.shape == (1, 128, 2, 2)
    hswish = {type(m) for m in PPLCNet(widen_factor=0.25).modules()}
    assert nn.Hardswish in hswish


@pytest.mark.parametrize('kwargs, name', [
    (dict(se_blocks='111'), 'se_blocks'),
    (dict(se_blocks='1111111111112'), 'se_blocks'),
    (dict(se_blocks=[1] * 12), 'se_blocks'),
    (dict(large_kernel_blocks='00000000000000'), 'large_kernel_blocks'),
    (dict(out_indices=(5, )), 'out_indices'),
    (dict(out_indices=()), 'out_indices'),
    (dict(out_indices=(-6, )), 'out_indices'),
    (dict(out_indices=(3, 1)), 'out_indices'),
    (dict(frozen_stages=6), 'frozen_stages'),
    (dict(frozen_stages=-2), 'frozen_stages'),
    (dict(widen_factor=0), 'widen_factor'),
    (dict(widen_factor=-1.0), 'widen_factor'),
    (dict(widen_factor='1x'), 'widen_factor'),
    (dict(stride_list=[2, 2, 2, 2]), 'stride_list'),
    (dict(stride_list=[2, (2, 1, 1), 2, 2, 2]), 'stride_list'),
    (dict(stride_list=[2, 0, 2, 2, 2]), 'stride_list'),
    (dict(stride_list='22222'), 'stride_list'),
])
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PPLCNet(**kwargs)


def test_scale_is_a_deprecated_alias_of_widen_factor():
    with pytest.deprecated_call(match='scale is deprecated, use widen_factor=0.5'):
        old = PPLCNet(scale=0.5, out_indices=(2, 3, 4))
    new = PPLCNet(widen_factor=0.5, out_indices=(2, 3, 4))
    assert old.widen_factor == new.widen_factor == old.scale == 0.5
    assert old.out_channels == new.out_channels == [16, 32, 64, 128, 256]
    assert {k: v.shape for k, v in old.state_dict().items()} == \
        {k: v.shape for k, v in new.state_dict().items()}
    with pytest.raises(AttributeError):
        new.scale = 1.0  # read-only: the width is fixed at build time
    assert PPLCNet().widen_factor == 1.0
    with pytest.deprecated_call():
        assert PPLCNet(widen_factor=0.5, scale=0.5).widen_factor == 0.5  # same value: allowed
    with pytest.raises(ValueError, match=r'^PPLCNet: scale is a deprecated alias of '
                       r'widen_factor; got widen_factor=0\.5 and scale=1\.0$'):
        PPLCNet(widen_factor=0.5, scale=1.0)


def test_scale_alias_builds_from_a_config_dict():
    with DefaultScope.overwrite_default_scope('mmpretrain'), pytest.deprecated_call():
        model = MODELS.build(dict(type='PPLCNet', scale=0.25))
    assert model.widen_factor == 0.25 and model.out_channels[-1] == 128


def test_cls_head_full_path_and_dropout():
    head = PPLCNetClsHead(num_classes=10, in_channels=64, dropout_rate=0.5)
    assert head.last_conv.out_channels == 1280 and head.last_conv.bias is None
    assert head.dropout.p == 0.5
    feats = (torch.randn(2, 64, 4, 4), )
    head.train()
    assert not torch.equal(head(feats), head(feats))
    head.eval()
    out = head(feats)
    assert out.shape == (2, 10) and torch.equal(out, head(feats))
    # a pooled (N, C) feature from GlobalAveragePooling gives the same logits
    assert torch.allclose(head((feats[0].mean((2, 3)), )), out, atol=1e-6)


def test_cls_head_without_last_conv():
    head = PPLCNetClsHead(num_classes=10, in_channels=64, use_last_conv=False).eval()
    assert head.last_conv is None and head.fc.in_features == 64
    feat = torch.randn(2, 64, 3, 3)
    expected = head.fc(feat.mean((2, 3)))
    assert torch.allclose(head((feat, )), expected, atol=1e-6)
    n_params = sum(p.numel() for p in head.parameters())
    assert n_params == 64 * 10 + 10


def test_cls_head_wrong_in_channels():
    head = PPLCNetClsHead(num_classes=10, in_channels=64)
    with pytest.raises(ValueError, match='in_channels is 64 but the feature has 32 channels'):
        head((torch.randn(1, 32, 2, 2), ))
    with pytest.raises(ValueError, match='num_classes'):
        PPLCNetClsHead(num_classes=0, in_channels=64)


def test_classifier_loss_and_predict():
    model = build_classifier(0.25, dropout_rate=0.0)
    inputs = torch.randn(2, 3, 64, 64)
    samples = [DataSample().set_gt_label(3), DataSample().set_gt_label(7)]
    losses = model(inputs, samples, mode='loss')
    assert torch.isfinite(losses['loss']) and losses['loss'] > 0
    model.eval()
    with torch.no_grad():
        preds = model(inputs, [DataSample(), DataSample()], mode='predict')
    assert preds[0].pred_score.shape == (1000, )


# PaddleClas 2.6 ppcls/configs/PULC/textline_orientation/PPLCNet_x1_0.yaml (and
# language_classification): Arch stride_list, at image_shape [3, 80, 160]
TEXTLINE_STRIDES = [2, [2, 1], [2, 1], [2, 1], [2, 1]]


def test_stride_list_halves_the_height_only():
    """PaddleClas' meaning: the stem's stride, then the first block of blocks3..blocks6."""
    model = PPLCNet(stride_list=TEXTLINE_STRIDES, out_indices=(0, 1, 2, 3, 4)).eval()
    assert model.stride_list == [2, (2, 1), (2, 1), (2, 1), (2, 1)]
    assert model.stage_strides == (2, (4, 2), (8, 2), (16, 2), (32, 2))
    assert model.conv1.conv.stride == (2, 2) and model.blocks2[0].dw_conv.conv.stride == (1, 1)
    for stage in ('blocks3', 'blocks4', 'blocks5', 'blocks6'):
        blocks = getattr(model, stage)
        assert blocks[0].dw_conv.conv.stride == (2, 1)
        assert all(b.dw_conv.conv.stride == (1, 1) for b in blocks[1:])
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 80, 160))
    assert [tuple(o.shape[2:]) for o in outs] == [(40, 80), (20, 80), (10, 80), (5, 80), (3, 80)]
    # the strides change no parameter: the state dict is the default network's
    assert {k: v.shape for k, v in model.state_dict().items()} == \
        {k: v.shape for k, v in PPLCNet().state_dict().items()}


def test_default_stride_list_is_the_design():
    default, explicit = PPLCNet(), PPLCNet(stride_list=(2, 2, 2, 2, 2))
    assert default.stride_list == explicit.stride_list == [2, 2, 2, 2, 2]
    assert default.stage_strides == explicit.stage_strides == STAGE_STRIDES
    with torch.no_grad():
        assert default.eval()(torch.randn(1, 3, 64, 64))[0].shape[2:] == (2, 2)


def test_stride_list_with_the_backbone_contract():
    model = PPLCNet(widen_factor=0.5, stride_list=TEXTLINE_STRIDES, out_indices=(2, 4),
                    frozen_stages=1, norm_eval=True)
    model.train()
    assert model.out_channels == [16, 32, 64, 128, 256]
    assert not any(p.requires_grad for p in model.blocks2.parameters())
    assert all(p.requires_grad for p in model.blocks3.parameters())
    assert not any(bn.training for bn in batch_norms(model))
    outs = model(torch.randn(2, 3, 32, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 64, 4, 32), (2, 256, 1, 32)]  # width: stem only


def test_multilabel_head_sigmoid_scores_and_threshold():
    head = PPLCNetMultiLabelClsHead(num_classes=6, in_channels=64, thr=0.5).eval()
    assert head.last_conv.out_channels == 1280 and head.last_conv.bias is None
    feats = (torch.randn(3, 64, 2, 2), )
    logits = head(feats)
    samples = head.predict(feats)
    for sample, row in zip(samples, logits):
        torch.testing.assert_close(sample.pred_score, row.sigmoid())
        assert sample.pred_label.tolist() == torch.where(row.sigmoid() >= 0.5)[0].tolist()
    head.train()
    targets = [DataSample().set_gt_label([0, 3]), DataSample().set_gt_label([5]),
               DataSample().set_gt_label([])]
    loss = head.loss(feats, targets)['loss']
    onehot = torch.tensor([[1., 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1], [0.] * 6])
    head.eval()  # no dropout: the loss is binary cross-entropy on these logits, summed over
    # the attributes and averaged over the images (mmpretrain's avg_factor; PaddleClas'
    # MultiLabelLoss with size_sum, as the PULC attribute yamls set it)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        head(feats), onehot, reduction='sum') / len(targets)
    torch.testing.assert_close(head.loss(feats, targets)['loss'], expected)
    assert torch.isfinite(loss)


def test_head_postprocess_option():
    """A ThreshOutput decides pred_label; an attribute post-processing adds pulc_result."""
    head = PPLCNetClsHead(num_classes=2, in_channels=64, use_last_conv=False,
                          postprocess=dict(type='ThreshOutput', threshold=0.9,
                                           label_0='nobody', label_1='someone'))
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.copy_(torch.tensor([0.0, 1.0]))  # p1 = 0.73: argmax 1, below 0.9
    sample = head.predict((torch.randn(1, 64), ))[0]
    assert sample.pred_label.tolist() == [0]
    assert sample.pulc_result['label_names'] == ['nobody']
    assert sample.pulc_result['scores'][0] == pytest.approx(1 - torch.sigmoid(torch.tensor(1.)))
    attributes = PPLCNetMultiLabelClsHead(num_classes=19, in_channels=64,
                                          postprocess=dict(type='VehicleAttribute'))
    result = attributes.eval().predict((torch.randn(2, 64, 1, 1), ))[1].pulc_result
    assert set(result) == {'attributes', 'output'} and len(result['output']) == 19
    with pytest.raises(ValueError, match='PersonAttribute reads 26 outputs, but the head has '
                                         'num_classes=19'):
        PPLCNetMultiLabelClsHead(num_classes=19, in_channels=64,
                                 postprocess=dict(type='PersonAttribute'))
    with pytest.raises(ValueError, match='postprocess must be a dict with type one of'):
        PPLCNetClsHead(num_classes=2, in_channels=64, postprocess=dict(type='Topk'))
