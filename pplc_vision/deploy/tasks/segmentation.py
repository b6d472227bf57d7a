"""Segmentation (mmseg ``EncoderDecoder``, whole-image mode): logits or label-map graphs.

Graphs: ``(N, 3, H, W)`` BGR images in 0..255 (the data preprocessor's swap, mean and std
inside) to the logits at the input resolution ``(N, num_classes, H, W)`` (``logits``) or their
argmax ``(N, H, W)`` int64 (``labels``). Post-processing: mmseg's ``postprocess_result`` on the
logits (:mod:`~pplc_vision.deploy.label_map`); a label map is resized to the image
(nearest-neighbour).
"""
import time
from typing import Any, Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.models.utils import resize
from torch import nn

from ..label_map import postprocess_logits
from ..predictions import Segmentation
from ..preprocess import PreprocessInGraph
from .base import Shape, Task, check_wrapped, fits

OUTPUTS = ('logits', 'labels')


class SegmentorExportWrapper(nn.Module):
    """``forward(images) -> logits | labels`` of an mmseg ``EncoderDecoder`` (whole-image mode).

    Args:
        segmentor: A built mmseg ``EncoderDecoder`` (its weights loaded).
        output: ``'logits'`` (N, C, H, W) or ``'labels'`` (N, H, W), both at the input size.
        normalize: Apply the data preprocessor's channel swap, mean and std in the graph
            (input: BGR 0..255); ``False`` takes an already normalised batch.
    """

    def __init__(self, segmentor: nn.Module, output: str = 'logits',
                 normalize: bool = True) -> None:
        super().__init__()
        check_wrapped('SegmentorExportWrapper', segmentor, 'an mmseg EncoderDecoder',
                      ('extract_feat', 'decode_head'), output, OUTPUTS)
        self.segmentor = segmentor.eval()
        self.output = output
        self.align_corners = segmentor.decode_head.align_corners
        self.preprocess = PreprocessInGraph(getattr(segmentor, 'data_preprocessor', None),
                                            enabled=normalize)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.preprocess(images)
        logits = self.segmentor.decode_head(self.segmentor.extract_feat(x))
        logits = resize(logits, size=x.shape[2:], mode='bilinear',
                        align_corners=self.align_corners)
        return logits if self.output == 'logits' else logits.argmax(dim=1)


class SegmentationTask(Task):
    name = 'segmentation'
    scope = 'mmseg'
    graphs = OUTPUTS
    result_type = Segmentation
    end_to_end_includes = 'logits resize+argmax'
    # logits (the default) and labels (the argmax in the graph: no full-size logits leave it)
    overhead_graphs = OUTPUTS

    def num_classes(self, model: nn.Module) -> int:
        return int(model.decode_head.num_classes)

    def export_module(self, model: nn.Module, graph: str) -> Tuple[nn.Module, Tuple[str, ...]]:
        return SegmentorExportWrapper(model, output=graph), ('output', )

    def dynamic_axes(self, graph: str, output_names: Sequence[str]
                     ) -> Optional[Dict[str, Dict[int, str]]]:
        """Batch, height and width: a segmenter takes any size its strides allow."""
        first = 1 if graph == 'labels' else 2
        return {'input': {0: 'batch', 2: 'height', 3: 'width'},
                'output': {0: 'batch', first: 'height', first + 1: 'width'}}

    def graph_of(self, model: nn.Module, output_shapes: Sequence[Shape], path: str) -> str:
        n = self.num_classes(model)
        if len(output_shapes) == 1 and len(output_shapes[0]) == 4 and \
                fits(output_shapes[0][1], n):
            return 'logits'
        if len(output_shapes) == 1 and len(output_shapes[0]) == 3:
            return 'labels'
        raise self.mismatch(path, output_shapes,
                            f'expected logits (1, {n}, H, W) or labels (1, H, W)')

    def postprocess(self, model: nn.Module, graph: str, outputs: Sequence[np.ndarray],
                    sample: Any, host_cfg: Dict[str, Any]) -> Dict[str, Any]:
        if graph == 'logits':
            sample = postprocess_logits(model, outputs[0], sample)
            label_map = sample.pred_sem_seg.data[0].numpy()
        else:  # a label-map graph: nearest-neighbour back to the original size
            h, w = sample.metainfo['ori_shape']
            label_map = cv2.resize(outputs[0][0].astype(np.uint16), (w, h),
                                   interpolation=cv2.INTER_NEAREST).astype(np.int64)
            sample.pred_sem_seg = PixelData(data=torch.from_numpy(label_map)[None])
        return dict(sample=sample, label_map=label_map)

    def end_to_end_module(self, model: nn.Module) -> Optional[nn.Module]:
        return SegmentorExportWrapper(model, output='labels')

    def palette(self, class_names: Sequence[str]) -> Optional[list]:
        """mmseg's visualizer needs a colour per class: a fixed random one."""
        return np.random.default_rng(0).integers(0, 256, (len(class_names), 3)).tolist()

    def enable_show_dir(self, cfg: Config, show_dir: str) -> None:
        cfg.default_hooks.visualization.update(draw=True, interval=1)
        cfg.visualizer['save_dir'] = show_dir
        # mmengine reuses a Visualizer by name within a process; a fresh name makes this run
        # draw into show_dir even after an earlier run in the same process
        cfg.visualizer['name'] = f'show_{time.time_ns()}'
