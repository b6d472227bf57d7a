"""PicoGFLHead: layers, and a hand-computed case of ATSS assignment and the QFL/GIoU/DFL losses.

The expected values are computed here in numpy from the definitions (PicoDet 2021.09 / GFL):
priors are squares of side 5 x stride centred at (i + 0.5) x stride; ATSS takes the 9 priors
per level closest to the box centre, keeps those with IoU >= mean + std (unbiased) of the
candidates' IoUs whose centre lies inside the box; QFL supervises the positive's class with the
IoU of its decoded box; GIoU and DFL are weighted by the positive's best class score and
normalised by the sum of those weights (at least 1).
"""
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

import pplc_vision  # noqa: F401
from pplc_vision.models.dense_heads import decode_gfl_priors

STRIDES = (8, 16, 32)
IMG = 64  # image side: feature maps 8x8, 4x4, 2x2
NUM_CLASSES = 3
REG_MAX = 7
GT_LABEL = 1


def build_head(**kwargs) -> torch.nn.Module:
    cfg = dict(
        type='PicoGFLHead', num_classes=NUM_CLASSES, in_channels=16, feat_channels=16,
        train_cfg=dict(assigner=dict(type='ATSSAssigner', topk=9), allowed_border=-1,
                       pos_weight=-1, debug=False),
        test_cfg=dict(nms_pre=1000, min_bbox_size=0, score_thr=0.025,
                      nms=dict(type='nms', iou_threshold=0.6), max_per_img=100))
    cfg.update(kwargs)
    return MODELS.build(cfg)


# ---------------------------------------------------------------- independent reference math
def priors_np():
    """Per level: (N, 4) boxes x1, y1, x2, y2 in row-major order of the feature map."""
    out = []
    for s in STRIDES:
        n = IMG // s
        ys, xs = np.meshgrid(np.arange(n), np.arange(n), indexing='ij')
        cx, cy = (xs.ravel() + 0.5) * s, (ys.ravel() + 0.5) * s
        half = 2.5 * s
        out.append(np.stack([cx - half, cy - half, cx + half, cy + half], 1))
    return out


def iou_np(a, b):
    """IoU and GIoU of boxes ``a`` (N, 4) with ``b`` (N, 4) or (4,)."""
    b = np.broadcast_to(b, a.shape)
    lt, rb = np.maximum(a[:, :2], b[:, :2]), np.minimum(a[:, 2:], b[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), 1)
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    union = area(a) + area(b) - inter
    hull = np.prod(np.maximum(a[:, 2:], b[:, 2:]) - np.minimum(a[:, :2], b[:, :2]), 1)
    iou = inter / union
    return iou, iou - (hull - union) / hull


def atss_np(level_priors, gt, topk=9):
    """Indices (into the concatenated priors) of ATSS positives for one box."""
    gt_c = (gt[:2] + gt[2:]) / 2
    candidates, start = [], 0
    for p in level_priors:
        d = np.linalg.norm((p[:, :2] + p[:, 2:]) / 2 - gt_c, axis=1)
        k = min(topk, len(p))
        order = np.argsort(d, kind='stable')
        if k < len(p):
            assert d[order[k - 1]] < d[order[k]], 'tie at the top-k boundary: pick another box'
        candidates.extend(start + order[:k])
        start += len(p)
    allp = np.concatenate(level_priors)
    cand = np.array(sorted(candidates))
    iou, _ = iou_np(allp[cand], gt)
    thr = iou.mean() + iou.std(ddof=1)
    centres = (allp[cand, :2] + allp[cand, 2:]) / 2
    inside = np.minimum(centres - gt[:2], gt[2:] - centres).min(1) > 0.01
    return cand[(iou >= thr) & inside]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def bce(logit, target):
    p = sigmoid(logit)
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def expected_losses(gt_box, cls_logits, box_logits, pos, strides_all, centres_all):
    """QFL, GIoU and DFL totals for logits (N, C) and (N, 4, REG_MAX + 1) over all priors."""
    # decoded boxes of the positives, in units of their level's stride
    probs = softmax(box_logits[pos])
    dist = (probs * np.arange(REG_MAX + 1)).sum(-1)  # (P, 4): left, top, right, bottom
    s = strides_all[pos][:, None]
    c = centres_all[pos] / s
    pred = np.concatenate([c - dist[:, :2], c + dist[:, 2:]], 1)
    target = np.broadcast_to(gt_box, pred.shape) / s
    iou, giou = iou_np(pred, target)
    # QFL: every prior and class against 0, except the positive's class against its IoU
    p = sigmoid(cls_logits)
    qfl = bce(cls_logits, 0.0) * p ** 2
    qfl[pos, GT_LABEL] = bce(cls_logits[pos, GT_LABEL], iou) * np.abs(iou - p[pos, GT_LABEL]) ** 2
    loss_qfl = qfl.sum() / len(pos)
    # weights: each positive's best class score; normaliser: their sum, at least 1
    w = p[pos].max(1)
    norm = max(w.sum(), 1.0)
    loss_giou = 2.0 * (w * (1 - giou)).sum() / norm
    # DFL against the distances to the box sides, clamped to [0, reg_max - 0.1]
    t = np.clip(np.concatenate([c - target[:, :2], target[:, 2:] - c], 1), 0, REG_MAX - 0.1)
    lo = np.floor(t).astype(int)
    logp = np.log(softmax(box_logits[pos]))
    take = lambda idx: np.take_along_axis(logp, idx[..., None], -1)[..., 0]  # noqa: E731
    dfl = -take(lo) * (lo + 1 - t) - take(lo + 1) * (t - lo)
    loss_dfl = 0.25 * (w[:, None] * dfl).sum() / 4.0 / norm
    return loss_qfl, loss_giou, loss_dfl


# ---------------------------------------------------------------------------------- tests
def test_layers_follow_picodet():
    head = build_head()
    assert len(head.towers) == 3 and len(head.gfl_preds) == 3
    tower = head.towers[0]
    assert len(tower) == 2
    dw = tower[0].dw_conv
    assert dw.conv.kernel_size == (5, 5) and dw.conv.groups == 16
    assert isinstance(dw.activate, torch.nn.LeakyReLU) and dw.activate.negative_slope == 0.1
    assert isinstance(dw.bn, torch.nn.BatchNorm2d) and dw.conv.bias is None
    pred = head.gfl_preds[0]
    assert pred.kernel_size == (1, 1) and pred.out_channels == NUM_CLASSES + 4 * (REG_MAX + 1)
    head.init_weights()
    bias = pred.bias.detach()
    assert torch.allclose(bias[:NUM_CLASSES], torch.full((NUM_CLASSES, ), -np.log(99.0)),
                          atol=1e-4)
    assert 0.005 < float(pred.weight.std()) < 0.015
    shared = build_head(share_towers=True)
    assert len(shared.towers) == 1 and len(shared.gfl_preds) == 3


def test_forward_shapes_and_level_check():
    head = build_head()
    feats = [torch.randn(2, 16, IMG // s, IMG // s) for s in STRIDES]
    cls_scores, bbox_preds = head(feats)
    for s, c, b in zip(STRIDES, cls_scores, bbox_preds):
        assert c.shape == (2, NUM_CLASSES, IMG // s, IMG // s)
        assert b.shape == (2, 4 * (REG_MAX + 1), IMG // s, IMG // s)
    with pytest.raises(ValueError, match='expected 3 feature levels'):
        head(feats[:2])


def test_priors_match_hand_computed():
    head = build_head()
    priors = head.prior_generator.grid_priors([(IMG // s, IMG // s) for s in STRIDES],
                                             device='cpu')
    for got, want in zip(priors, priors_np()):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-5)


# (box, positives worked out by hand from the rule above): the box centred at (37, 27) takes the
# stride-8 prior at row 3, column 4 (index 28) and its three nearest neighbours but the one below;
# the large box takes the 4 central stride-16 priors (64 + 5, 6, 9, 10).
CASES = [((13.0, 5.0, 61.0, 49.0), [20, 27, 28, 29]), ((5.0, 4.0, 62.0, 64.0), [69, 70, 73, 74])]


@pytest.mark.parametrize('box,hand_pos', CASES)
def test_assignment_and_losses_match_hand_computed(box, hand_pos):
    gt_box = np.array(box)
    head = build_head()
    gen = torch.Generator().manual_seed(0)
    sizes = [IMG // s for s in STRIDES]
    cls_scores = [torch.randn(1, NUM_CLASSES, n, n, generator=gen) - 2 for n in sizes]
    bbox_preds = [torch.randn(1, 4 * (REG_MAX + 1), n, n, generator=gen) for n in sizes]
    gt = InstanceData(bboxes=torch.tensor([box], dtype=torch.float32),
                      labels=torch.tensor([GT_LABEL]))
    metas = [dict(img_shape=(IMG, IMG), pad_shape=(IMG, IMG))]

    level_priors = priors_np()
    want_pos = atss_np(level_priors, gt_box)
    assert want_pos.tolist() == hand_pos

    anchors, valid = head.get_anchors([(n, n) for n in sizes], metas, device='cpu')
    targets = head.get_targets(anchors, valid, [gt], metas)
    labels = torch.cat(targets[1], 1)[0]
    got_pos = torch.nonzero(labels < NUM_CLASSES).squeeze(1).numpy()
    np.testing.assert_array_equal(got_pos, want_pos)
    assert (labels[got_pos] == GT_LABEL).all()

    losses = head.loss_by_feat(cls_scores, bbox_preds, [gt], metas)
    got = [float(sum(losses[k])) for k in ('loss_cls', 'loss_bbox', 'loss_dfl')]

    to_rows = lambda ts, c: np.concatenate(  # noqa: E731
        [t[0].permute(1, 2, 0).reshape(-1, c).numpy() for t in ts]).astype(np.float64)
    cls_logits = to_rows(cls_scores, NUM_CLASSES)
    box_logits = to_rows(bbox_preds, 4 * (REG_MAX + 1)).reshape(-1, 4, REG_MAX + 1)
    strides_all = np.concatenate([np.full(n * n, s, float) for n, s in zip(sizes, STRIDES)])
    allp = np.concatenate(level_priors)
    want = expected_losses(gt_box, cls_logits, box_logits, want_pos, strides_all,
                           (allp[:, :2] + allp[:, 2:]) / 2)
    np.testing.assert_allclose(got, want, rtol=1e-4)
    assert all(np.isfinite(got)) and min(got) > 0


def test_no_box_image_gives_only_classification_loss():
    head = build_head()
    sizes = [IMG // s for s in STRIDES]
    cls_scores = [torch.randn(1, NUM_CLASSES, n, n) for n in sizes]
    bbox_preds = [torch.randn(1, 4 * (REG_MAX + 1), n, n) for n in sizes]
    gt = InstanceData(bboxes=torch.zeros((0, 4)), labels=torch.zeros((0, ), dtype=torch.long))
    losses = head.loss_by_feat(cls_scores, bbox_preds, [gt],
                               [dict(img_shape=(IMG, IMG), pad_shape=(IMG, IMG))])
    assert float(sum(losses['loss_cls'])) > 0
    assert float(sum(losses['loss_bbox'])) == 0 and float(sum(losses['loss_dfl'])) == 0


def test_predict_applies_test_cfg():
    head = build_head()
    head.eval()
    cfg = ConfigDict(head.test_cfg)
    assert cfg.nms_pre == 1000 and cfg.score_thr == 0.025 and cfg.max_per_img == 100
    sizes = [IMG // s for s in STRIDES]
    cls_scores = [torch.full((1, NUM_CLASSES, n, n), -10.0) for n in sizes]
    cls_scores[0][0, 2, 3, 4] = 3.0  # one confident prior: level 0, row 3, column 4
    bbox_preds = [torch.zeros(1, 4 * (REG_MAX + 1), n, n) for n in sizes]
    result = head.predict_by_feat(cls_scores, bbox_preds,
                                  batch_img_metas=[dict(img_shape=(IMG, IMG), scale_factor=(1, 1))],
                                  cfg=cfg, rescale=False)[0]
    assert len(result) == 1 and int(result.labels[0]) == 2
    # uniform distributions decode to 3.5 strides on each side of the centre (36, 28)
    np.testing.assert_allclose(result.bboxes[0].numpy(), [8, 0, 64, 56], atol=1e-4)


def test_decode_gfl_priors_matches_hand_computed():
    """Scores are sigmoids; boxes are the prior centre -/+ the expected side distances (softmax
    over 0..reg_max) times the stride, for every prior of every image, levels in order."""
    head = build_head()
    gen = torch.Generator().manual_seed(1)
    sizes = [IMG // s for s in STRIDES]
    cls_scores = [torch.randn(2, NUM_CLASSES, n, n, generator=gen) for n in sizes]
    bbox_preds = [torch.randn(2, 4 * (REG_MAX + 1), n, n, generator=gen) * 2 for n in sizes]
    scores, boxes = decode_gfl_priors(head, cls_scores, bbox_preds)
    num_priors = sum(n * n for n in sizes)
    assert scores.shape == (2, num_priors, NUM_CLASSES) and boxes.shape == (2, num_priors, 4)
    allp = np.concatenate(priors_np())
    centres = (allp[:, :2] + allp[:, 2:]) / 2
    strides_all = np.concatenate([np.full(n * n, s, float) for n, s in zip(sizes, STRIDES)])
    for i in range(2):
        rows = lambda ts, c: np.concatenate(  # noqa: E731
            [t[i].permute(1, 2, 0).reshape(-1, c).numpy() for t in ts]).astype(np.float64)
        np.testing.assert_allclose(scores[i].numpy(), sigmoid(rows(cls_scores, NUM_CLASSES)),
                                   rtol=1e-5, atol=1e-7)
        logits = rows(bbox_preds, 4 * (REG_MAX + 1)).reshape(-1, 4, REG_MAX + 1)
        dist = (softmax(logits) * np.arange(REG_MAX + 1)).sum(-1) * strides_all[:, None]
        want = np.concatenate([centres - dist[:, :2], centres + dist[:, 2:]], 1)
        np.testing.assert_allclose(boxes[i].numpy(), want, rtol=1e-5, atol=1e-4)
