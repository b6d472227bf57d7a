"""ONNX export of a PicoDet config: onnxruntime gives PyTorch's boxes, with and without NMS (the
head's own post-processing in the graph)."""
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS

from det_helpers import CSPPAN_CONFIGS, PAPER_CONFIGS

import onnxruntime as ort  # noqa: E402

from pplc_vision.deploy import export_onnx, onnxruntime_session  # noqa: E402
from pplc_vision.deploy.tasks import DetectorExportWrapper  # noqa: E402

SIZE = 256


def normalised(model, img):
    """What the data preprocessor gives the network for a BGR batch (as the graphs take)."""
    pre = model.data_preprocessor
    img = img.flip(1) if pre._channel_conversion else img
    return (img - pre.mean.view(1, -1, 1, 1)) / pre.std.view(1, -1, 1, 1)


def varied_detector(cfg, img):
    """A detector whose class logits on ``img`` spread around -2 with std 1.5 (a fresh init
    scores everything about 0.01, where NMS order is down to rounding), with He-normal convs
    and BN statistics of ``img`` (without them activations grow layer by layer and float32
    rounding alone moves the deeper CSP-PAN detector's boxes by tenths of a pixel)."""
    model = MODELS.build(cfg.model)
    model.init_weights()
    head = model.bbox_head
    outs = {}
    hooks = [pred.register_forward_hook(lambda mod, inp, out: outs.__setitem__(mod, out))
             for pred in head.gfl_preds]
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(module.weight)
            elif isinstance(module, torch.nn.BatchNorm2d):
                module.momentum = None  # running statistics = this batch's
        model.train()
        head(model.extract_feat(normalised(model, img)))
        model.eval()
        head(model.extract_feat(normalised(model, img)))
        for hook in hooks:
            hook.remove()
        for pred in head.gfl_preds:
            logits = outs[pred][:, :head.num_classes]
            scale = 1.5 / float(logits.std())
            pred.weight.mul_(scale)
            pred.bias.mul_(scale)
            pred.bias[:head.num_classes] += -2.0 - float(logits.mean()) * scale
    return model


def mmdet_predictions(model, img):
    """mmdet's own post-processing (GFLHead.predict_by_feat) on the same normalised input."""
    with torch.no_grad():
        feats = model.extract_feat(normalised(model, img))
        return model.bbox_head.predict_by_feat(
            *model.bbox_head(feats), cfg=model.bbox_head.test_cfg, rescale=False,
            batch_img_metas=[dict(img_shape=img.shape[-2:], scale_factor=(1.0, 1.0))])[0]


def match(boxes_a, labels_a, boxes_b, labels_b, atol):
    """Every detection of A has one of B with the same label and the same box within atol."""
    for box, label in zip(boxes_a, labels_a):
        same = (labels_b == label) & np.all(np.abs(boxes_b - box) <= atol, axis=1)
        assert same.any(), f'no match for label {label} box {box}'


# one config per family: mmdet's post-processing (per-level top-k, clipped boxes) and
# PaddleDetection's (per-class top-k, unclipped boxes) of the CSP-PAN configs
@pytest.mark.parametrize('name', [PAPER_CONFIGS[1], CSPPAN_CONFIGS[1]])
def test_onnx_parity_with_and_without_nms(load_cfg, name, tmp_path):
    cfg = load_cfg(name)
    img = torch.rand(1, 3, SIZE, SIZE) * 255
    model = varied_detector(cfg, img)

    raw = DetectorExportWrapper(model, output='raw').eval()
    with torch.no_grad():
        boxes, scores = raw(img)
    # keep about 40 candidates: fewer than max_per_img, so no cut through near-equal scores
    # (the cut in the widest score gap among ranks 30-50: engines round scores differently)
    top = scores.flatten().topk(51).values
    cut = 30 + int((top[30:50] - top[31:51]).argmax())
    model.bbox_head.test_cfg['score_thr'] = float(top[cut] + top[cut + 1]) / 2
    path = export_onnx(raw, img, str(tmp_path / 'raw.onnx'), output_names=('boxes', 'scores'))
    ort_boxes, ort_scores = onnxruntime_session(path, threads=2).run(None, {'input': img.numpy()})
    # float32 rounding: the box-distribution logits of these random heads are large, and one bin
    # is 64 px on the CSP-PAN stride-64 level
    np.testing.assert_allclose(ort_boxes, boxes.numpy(), atol=2e-2, rtol=1e-5)
    # likewise a few of the ~1e5 sigmoid scores (1.3e-4 seen on the CSP-PAN config)
    np.testing.assert_allclose(ort_scores, scores.numpy(), atol=2e-4)

    wrapped = DetectorExportWrapper(model, output='nms').eval()
    with torch.no_grad():
        t_boxes, t_scores, t_labels = wrapped(img)
    want = mmdet_predictions(model, img)
    assert 0 < len(want) < 100 and len(t_boxes) == len(want)
    torch.testing.assert_close(t_boxes, want.bboxes)  # the wrapper is mmdet's post-processing
    assert torch.equal(t_labels, want.labels)

    path = export_onnx(wrapped, img, str(tmp_path / 'nms.onnx'),
                       output_names=('boxes', 'scores', 'labels'))
    o_boxes, o_scores, o_labels = onnxruntime_session(path, threads=2).run(
        None, {'input': img.numpy()})
    assert o_boxes.shape == (len(want), 4) and o_labels.dtype == np.int64
    match(o_boxes, o_labels, want.bboxes.numpy(), want.labels.numpy(), atol=1e-2)
    match(want.bboxes.numpy(), want.labels.numpy(), o_boxes, o_labels, atol=1e-2)
    np.testing.assert_allclose(np.sort(o_scores), np.sort(want.scores.numpy()), atol=1e-4)


def test_nms_graph_takes_batch_one(load_cfg):
    model = MODELS.build(load_cfg(PAPER_CONFIGS[0]).model).eval()
    with pytest.raises(ValueError, match='batch 1'):
        DetectorExportWrapper(model, output='nms')(torch.rand(2, 3, 64, 64))


class SelectGraph(torch.nn.Module):
    """The NMS graph's candidate selection alone: ``(1, 1, A, 4 + C)`` boxes and scores in,
    the selected boxes, scores and labels out."""

    def __init__(self, wrapper: DetectorExportWrapper, level_sizes) -> None:
        super().__init__()
        self.post_process = wrapper.post_process
        self.level_sizes = list(level_sizes)

    def forward(self, packed: torch.Tensor):
        boxes, scores = packed[0, 0, :, :4], packed[0, 0, :, 4:]
        boxes, matrix = self.post_process.per_level(boxes, scores, self.level_sizes)
        # one class row holds each candidate's score (above score_thr > 0)
        return boxes, matrix.max(0).values, matrix.argmax(0)


def test_nms_graph_selects_per_input_counts(load_cfg, tmp_path):
    """The graph ranks as many candidates as each input has above ``score_thr`` (capped at
    ``nms_pre`` per level), not as many as the tracing input had: traced on one input, run on
    inputs whose levels have none, fewer than and more than ``nms_pre``, it selects what mmdet's
    filter-then-top-k selects (``filter_scores_and_topk``)."""
    from mmdet.models.utils import filter_scores_and_topk

    model = MODELS.build(load_cfg(PAPER_CONFIGS[0]).model).eval()
    nms_pre, score_thr = 50, 0.5
    wrapper = DetectorExportWrapper(model, output='nms', test_cfg=dict(
        model.bbox_head.test_cfg, nms_pre=nms_pre, score_thr=score_thr))
    sizes, classes = [400, 100, 25], 6
    generator = torch.Generator().manual_seed(0)

    def packed(fractions):
        """Per level, about ``fraction`` of the scores above ``score_thr``."""
        parts = [torch.rand(n, classes, generator=generator) * 0.5 + 0.5 * (
            torch.rand(n, classes, generator=generator) < f) for n, f in zip(sizes, fractions)]
        boxes = torch.rand(sum(sizes), 4, generator=generator) * 100
        return torch.cat([boxes, torch.cat(parts)], 1)[None, None]

    path = export_onnx(SelectGraph(wrapper, sizes), packed([0.5, 0.5, 0.5]),
                       str(tmp_path / 'select.onnx'), output_names=('boxes', 'scores', 'labels'))
    session = onnxruntime_session(path, threads=1)
    for fractions in ([0.0, 0.01, 0.9], [0.9, 0.0, 0.02], [0.001, 0.3, 0.0]):
        x = packed(fractions)
        got = session.run(None, {'input': x.numpy()})
        boxes, scores = x[0, 0, :, :4], x[0, 0, :, 4:]
        want_boxes, want_scores, want_labels = [], [], []
        for level_boxes, level_scores in zip(boxes.split(sizes), scores.split(sizes)):
            kept, labels, prior, _ = filter_scores_and_topk(level_scores, score_thr, nms_pre)
            want_boxes.append(level_boxes[prior])
            want_scores.append(kept)
            want_labels.append(labels)
        want_scores = torch.cat(want_scores)
        counts = [int((s > score_thr).sum()) for s in scores.split(sizes)]
        assert min(counts) == 0 and max(counts) > nms_pre
        np.testing.assert_array_equal(got[1], want_scores.numpy())
        np.testing.assert_array_equal(got[2], torch.cat(want_labels).numpy())
        np.testing.assert_array_equal(got[0], torch.cat(want_boxes).numpy())
