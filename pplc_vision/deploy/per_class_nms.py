"""Class-wise NMS that exports to ONNX's ``NonMaxSuppression`` (one op, per class natively).

One NMS over class-offset boxes (mmcv's ``batched_nms`` trick) costs quadratically in all
candidates together; ``NonMaxSuppression`` with ``(1, C, N)`` scores suppresses within each class,
as PaddleDetection's ``multiclass_nms3`` does. Eager and traced-for-ONNX results are the same
selection: per class, greedy NMS over the boxes scoring above ``score_thr``.
"""
import torch
from torchvision.ops import batched_nms


class PerClassNMS(torch.autograd.Function):
    """``(K, 2)`` int64 ``[class, box]`` of the boxes kept by class-wise NMS, class by class.

    ``boxes``: ``(N, 4)``; ``scores``: ``(C, N)`` (a class's score 0 below ``score_thr``
    removes the box from it); ``max_per_class``: at most this many kept per class.
    """

    @staticmethod
    def forward(ctx, boxes: torch.Tensor, scores: torch.Tensor, max_per_class: int,
                iou_thr: float, score_thr: float) -> torch.Tensor:
        labels, index = (scores > score_thr).nonzero(as_tuple=True)
        keep = batched_nms(boxes[index], scores[labels, index], labels, iou_thr)
        labels, index = labels[keep], index[keep]
        order = torch.argsort(labels, stable=True)  # by class, each by score (as the ONNX op)
        labels, index = labels[order], index[order]
        first = torch.searchsorted(labels, labels, right=False)
        within = torch.arange(len(labels)) - first  # rank inside its class
        keep = within < max_per_class
        return torch.stack([labels[keep], index[keep]], 1)

    @staticmethod
    def symbolic(g, boxes, scores, max_per_class: int, iou_thr: float, score_thr: float):
        def const(value, dtype):
            return g.op('Constant', value_t=torch.tensor([value], dtype=dtype))

        selected = g.op('NonMaxSuppression',
                        g.op('Unsqueeze', boxes, const(0, torch.int64)),
                        g.op('Unsqueeze', scores, const(0, torch.int64)),
                        const(max_per_class, torch.int64), const(iou_thr, torch.float32),
                        const(score_thr, torch.float32))
        # (K, 3) [batch, class, box] -> (K, 2) [class, box]
        return g.op('Slice', selected, const(1, torch.int64), const(3, torch.int64),
                    const(1, torch.int64))


def per_class_nms(boxes: torch.Tensor, scores: torch.Tensor, max_per_class: int,
                  iou_thr: float, score_thr: float) -> torch.Tensor:
    """See :class:`PerClassNMS`."""
    return PerClassNMS.apply(boxes, scores, int(max_per_class), float(iou_thr), float(score_thr))
