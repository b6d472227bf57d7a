"""Classification (mmpretrain): the logits graph and the head's own predictions.

Graph: ``(N, 3, H, W)`` BGR images in 0..255 (the data preprocessor's swap, mean and std inside)
to logits ``(N, num_classes)``. Post-processing: the head's ``_get_predictions`` on the logits,
so the scores and labels are the head's (softmax for ``ClsHead``s; a multi-label head's sigmoid
and thresholds when the config has one; a PP-LCNet head's PULC post-processing: thresholds and
attribute grouping as PaddleClas deploys them).
"""
from typing import Any, Dict, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmpretrain.models.heads import MultiLabelClsHead
from torch import nn

from ..predictions import Classification, Prediction
from ..preprocess import PreprocessInGraph
from .base import Shape, Task, check_wrapped, fits


class ClassifierExportWrapper(nn.Module):
    """``forward(images) -> logits | scores`` of an mmpretrain ``ImageClassifier``."""

    def __init__(self, classifier: nn.Module, softmax: bool = False) -> None:
        super().__init__()
        check_wrapped('ClassifierExportWrapper', classifier, 'an mmpretrain ImageClassifier',
                      ('extract_feat', 'head'))
        self.classifier = classifier.eval()
        self.softmax = softmax
        self.preprocess = PreprocessInGraph(classifier.data_preprocessor)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(images)
        logits = self.classifier.head(self.classifier.extract_feat(x))
        return logits.softmax(dim=1) if self.softmax else logits


class ClassificationTask(Task):
    name = 'classification'
    scope = 'mmpretrain'
    graphs = ('logits', )
    result_type = Classification

    def num_classes(self, model: nn.Module) -> int:
        return int(model.head.num_classes)

    def export_module(self, model: nn.Module, graph: str) -> Tuple[nn.Module, Tuple[str, ...]]:
        return ClassifierExportWrapper(model), ('output', )

    def graph_of(self, model: nn.Module, output_shapes: Sequence[Shape], path: str) -> str:
        n = self.num_classes(model)
        if len(output_shapes) != 1 or len(output_shapes[0]) != 2 or \
                not fits(output_shapes[0][1], n):
            raise self.mismatch(path, output_shapes, f'expected logits (1, {n})')
        return 'logits'

    def postprocess(self, model: nn.Module, graph: str, outputs: Sequence[np.ndarray],
                    sample: Any, host_cfg: Dict[str, Any]) -> Dict[str, Any]:
        """The head's own predictions: softmax or sigmoid scores, a multi-label head's positive
        classes, and the PULC post-processing the head carries (``pulc_result``)."""
        head = model.head
        sample = head._get_predictions(torch.from_numpy(outputs[0]), [sample])[0]
        multi_label = isinstance(head, MultiLabelClsHead)
        return dict(sample=sample, scores=sample.pred_score.numpy(),
                    topk=host_cfg.get('topk', Classification.topk),
                    positive=sample.pred_label.numpy() if multi_label else None,
                    postprocessed=sample.get('pulc_result'))

    def draw(self, visualizer: Any, image_rgb: np.ndarray, prediction: Prediction,
             out_file: str, score_thr: float) -> None:
        visualizer.visualize_cls(image_rgb, prediction.sample, classes=prediction.class_names,
                                 draw_gt=False, show=False, out_file=out_file)

    def enable_show_dir(self, cfg: Config, show_dir: str) -> None:
        cfg.default_hooks.visualization.update(enable=True, out_dir=show_dir)
