"""The later PicoDet's parts: CSP-PAN, the SimOTA cost, the (labels, scores) varifocal loss."""
import numpy as np
import pytest
import torch
from mmdet.models.losses import VarifocalLoss
from mmdet.registry import MODELS, TASK_UTILS
from mmengine.structures import InstanceData

from pplc_vision.models.task_modules.pico_sim_ota_assigner import varifocal_cost


def test_csppan_levels_kernels_and_activation():
    neck = MODELS.build(dict(type='PicoCSPPAN', in_channels=[16, 32, 64], out_channels=8))
    outs = neck([torch.randn(1, c, s, s) for c, s in ((16, 32), (32, 16), (64, 8))])
    assert [tuple(o.shape) for o in outs] == [(1, 8, 32, 32), (1, 8, 16, 16), (1, 8, 8, 8),
                                              (1, 8, 4, 4)]
    depthwise = [m for m in neck.modules() if isinstance(m, torch.nn.Conv2d) and m.groups > 1]
    assert depthwise and all(m.kernel_size == (5, 5) for m in depthwise)
    assert not any(isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)
                   for m in neck.modules())
    assert any(isinstance(m, torch.nn.Hardswish) for m in neck.modules())
    assert not any(isinstance(m, (torch.nn.ReLU, torch.nn.SiLU)) for m in neck.modules())
    no_extra = MODELS.build(dict(type='PicoCSPPAN', in_channels=[16, 32], out_channels=8,
                                 extra_level=False))
    assert len(no_extra([torch.randn(1, 16, 8, 8), torch.randn(1, 32, 4, 4)])) == 2


def giou_np(a, b):
    lt, rb = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = np.prod(np.clip(rb - lt, 0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    hull = np.prod(np.maximum(a[2:], b[2:]) - np.minimum(a[:2], b[:2]))
    return inter / union, inter / union - (hull - union) / hull


def test_simota_cost_is_vfl_plus_six_times_one_minus_giou():
    """Two priors inside one box: the cost decides; dynamic k = floor(sum of top IoUs) = 1."""
    assigner = TASK_UTILS.build(dict(type='PicoSimOTAAssigner'))
    gt_box = np.array([0.0, 0.0, 40.0, 40.0])
    boxes = np.array([[2.0, 2.0, 38.0, 40.0], [0.0, 0.0, 30.0, 40.0], [100, 100, 120, 120]])
    scores = np.array([[0.2, 0.1], [0.7, 0.3], [0.9, 0.9]])
    label = 1
    pred = InstanceData(priors=torch.tensor([[20.0, 20, 8, 8], [16, 20, 8, 8], [110, 110, 8, 8]]),
                        bboxes=torch.tensor(boxes, dtype=torch.float32),
                        scores=torch.tensor(scores, dtype=torch.float32))
    gt = InstanceData(bboxes=torch.tensor([gt_box], dtype=torch.float32),
                      labels=torch.tensor([label]))
    costs = []
    for box, score in zip(boxes[:2], scores[:2]):
        iou, giou = giou_np(box, gt_box)
        target = np.zeros(2)
        target[label] = iou
        bce = -(target * np.log(score) + (1 - target) * np.log(1 - score))
        weight = np.where(target > 0, target, 0.75 * np.abs(score - target) ** 2)
        costs.append((bce * weight).sum() + 6 * (1 - giou))
    result = assigner.assign(pred, gt)
    want = int(np.argmin(costs))
    assert result.gt_inds.tolist() == [1 if i == want else 0 for i in range(3)]
    assert result.labels[want] == label
    # the cost itself, via the module's function
    iou0, _ = giou_np(boxes[0], gt_box)
    got = varifocal_cost(torch.tensor(scores[:1]), torch.tensor([[0.0, iou0]]))
    assert float(got) == pytest.approx(costs[0] - 6 * (1 - giou_np(boxes[0], gt_box)[1]))


def test_quality_varifocal_loss_matches_dense_target():
    pred = torch.randn(5, 3)
    labels = torch.tensor([3, 1, 3, 0, 2])  # 3 = background
    scores = torch.tensor([0.0, 0.6, 0.0, 0.3, 0.9])
    dense = torch.zeros(5, 3)
    dense[1, 1], dense[3, 0], dense[4, 2] = 0.6, 0.3, 0.9
    ours = MODELS.build(dict(type='QualityVarifocalLoss', use_sigmoid=True, alpha=0.75,
                             gamma=2.0, iou_weighted=True))
    ref = VarifocalLoss(use_sigmoid=True, alpha=0.75, gamma=2.0, iou_weighted=True)
    weight = torch.tensor([1.0, 1.0, 0.0, 1.0, 1.0])
    torch.testing.assert_close(
        ours(pred, (labels, scores), weight=weight, avg_factor=3.0),
        ref(pred, dense, weight=weight[:, None].expand(5, 3), avg_factor=3.0))


def test_vfl_head_assigns_on_its_predictions():
    head = MODELS.build(dict(
        type='PicoVFLHead', num_classes=2, in_channels=8, feat_channels=8,
        train_cfg=dict(assigner=dict(type='PicoSimOTAAssigner'), allowed_border=-1,
                       pos_weight=-1, debug=False)))
    feats = [torch.randn(2, 8, 64 // s, 64 // s) for s in (8, 16, 32, 64)]
    cls_scores, bbox_preds = head(feats)
    gts = [InstanceData(bboxes=torch.tensor([[8.0, 8, 40, 48]]), labels=torch.tensor([1])),
           InstanceData(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))]
    metas = [dict(img_shape=(64, 64), pad_shape=(64, 64))] * 2
    losses = head.loss_by_feat(cls_scores, bbox_preds, gts, metas)
    total = sum(sum(v) for v in losses.values())
    assert torch.isfinite(total) and float(sum(losses['loss_bbox'])) > 0
    total.backward()
    assert head.gfl_preds[0].weight.grad is not None


def test_vfl_head_assigns_each_image_on_its_own_predictions():
    """SimOTA sees each image's boxes: the one prior that predicts the ground truth exactly is
    the single positive (dynamic k = floor(IoU sum) = 1), a different prior in each image."""
    head = MODELS.build(dict(
        type='PicoVFLHead', num_classes=2, in_channels=8, feat_channels=8,
        train_cfg=dict(assigner=dict(type='PicoSimOTAAssigner'), allowed_border=-1,
                       pos_weight=-1, debug=False)))
    sizes = [(64 // s, 64 // s) for s in (8, 16, 32, 64)]
    metas = [dict(img_shape=(64, 64), pad_shape=(64, 64))] * 2
    anchors, valid = head.get_anchors(sizes, metas, device='cpu')
    num_priors = sum(h * w for h, w in sizes)
    gt_box = torch.tensor([8.0, 8, 40, 48])  # centre (24, 28)
    gt = InstanceData(bboxes=gt_box[None], labels=torch.tensor([1]))
    # stride-8 priors 26 and 27: centres (20, 28) and (28, 28), inside the box and its centre
    preds = []
    for exact in (26, 27):
        bboxes = torch.tensor([100.0, 100, 110, 110]).repeat(num_priors, 1)
        bboxes[exact] = gt_box
        preds.append(InstanceData(scores=torch.full((num_priors, 2), 0.5), bboxes=bboxes))
    targets = head.get_targets(anchors, valid, preds, [gt, gt], metas)
    labels = torch.cat(targets[1], 1)
    assert [torch.nonzero(row < 2).flatten().tolist() for row in labels] == [[26], [27]]
    assert labels[0, 26] == labels[1, 27] == 1 and targets[-1] == 2  # avg_factor: 2 positives
