"""Detection (mmdet single-stage detectors, PicoDet): NMS-in-graph, head-outputs and raw graphs.

- ``nms`` (the default export): the head's post-processing in the graph, its ``test_cfg``
  values fixed at export and written into the contract. Run with a config whose ``test_cfg``
  differs, a stricter ``score_thr`` or a smaller ``max_per_img`` is applied on the host; any
  other difference needs a new export and is refused in one line.
- ``head``: the graph ends at the head's maps and mmdet's ``predict_by_feat`` runs on the host
  with the config's ``test_cfg``, exactly as ``tools/test.py`` (any ``test_cfg`` applies).
- ``raw``: decoded boxes and scores of all priors, for a user's own post-processing (the
  predictor does not run it).

Graphs exported before contracts took RGB (:attr:`DetectionTask.legacy_channel_order`).
"""
import copy
import os
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures.bbox import scale_boxes
from mmengine.config import Config
from mmengine.registry import DATASETS, DefaultScope
from mmengine.structures import InstanceData
from torch import nn

from ..class_names import test_dataset_cfg
from ..inputs import PredictorInputError
from ..predictions import DatasetIds, Detections, Prediction
from .base import Shape, Task, TaskError, fits
from .detection_graph import (NMS_GRAPH_KEYS, DetectorExportWrapper, graph_settings,
                              head_output_names)

# a stricter value of these test_cfg keys is applied after an ``nms`` graph
HOST_STRICTER = {'score_thr': max, 'max_per_img': min}


def pad_size_divisor(detector: nn.Module) -> int:
    """What the data preprocessor pads each image's sides to a multiple of (1: no padding)."""
    return max(int(getattr(detector.data_preprocessor, 'pad_size_divisor', 1) or 1), 1)


class DetectionTask(Task):
    name = 'detection'
    scope = 'mmdet'
    graphs = ('nms', 'head', 'raw')
    result_type = Detections
    legacy_channel_order = 'RGB'
    end_to_end_includes = 'decoding+nms'
    # the head graph (README's predictor command) and the NMS graph (the default export)
    overhead_graphs = ('head', 'nms')

    def num_classes(self, model: nn.Module) -> int:
        return int(model.bbox_head.num_classes)

    # ---------------------------------------------------------------------------- export
    def check_export_shape(self, model: nn.Module, shape: Sequence[int]) -> None:
        """A graph's size must be one PyTorch would not pad further: a multiple of the data
        preprocessor's ``pad_size_divisor`` (a coarser head stride, e.g. an extra stride-64
        level made by stride-2 convs, needs nothing more)."""
        divisor = pad_size_divisor(model)
        if int(shape[0]) % divisor or int(shape[1]) % divisor:
            fit = [max(divisor, round(int(s) / divisor) * divisor) for s in shape]
            raise TaskError(f'--shape {shape[0]} {shape[1]}: the detector\'s data preprocessor '
                            f'pads images to multiples of {divisor} (pad_size_divisor) before '
                            f'the network, an exported graph cannot: use --shape '
                            f'{fit[0]} {fit[1]}')

    def export_module(self, model: nn.Module, graph: str) -> Tuple[nn.Module, Tuple[str, ...]]:
        names = {'nms': ('boxes', 'scores', 'labels'), 'raw': ('boxes', 'scores'),
                 'head': tuple(head_output_names(model.bbox_head.prior_generator.num_levels))}
        return DetectorExportWrapper(model, output=graph), names[graph]

    def dynamic_axes(self, graph: str, output_names: Sequence[str]) -> None:
        raise TaskError('--dynamic: detection graphs have a static size and batch 1 (NMS in the '
                        'graph takes one image): export without --dynamic')

    def graph_test_cfg(self, model: nn.Module, graph: str) -> Dict[str, Any]:
        settings = graph_settings(dict(model.bbox_head.test_cfg))
        return {'nms': settings, 'raw': dict(clip_boxes=settings['clip_boxes'])}.get(graph, {})

    # ----------------------------------------------------------------- a graph and a config
    def graph_of(self, model: nn.Module, output_shapes: Sequence[Shape], path: str) -> str:
        head = model.bbox_head
        levels = head.prior_generator.num_levels
        box_channels = 4 * (head.reg_max + 1)
        shapes = output_shapes
        if len(shapes) == 2 * levels and all(len(s) == 4 for s in shapes) and \
                all(fits(s[1], head.cls_out_channels) for s in shapes[:levels]) and \
                all(fits(s[1], box_channels) for s in shapes[levels:]):
            return 'head'
        if [len(s) for s in shapes] == [2, 1, 1] and fits(shapes[0][1], 4):
            return 'nms'
        if [len(s) for s in shapes] == [3, 3] and fits(shapes[0][2], 4) and \
                fits(shapes[1][2], head.cls_out_channels):
            return 'raw'
        raise self.mismatch(path, shapes, f'expected {levels} class-score maps with '
                            f'{head.cls_out_channels} channels and {levels} box maps with '
                            f'{box_channels}, or boxes/scores/labels after NMS')

    def refuse_graph(self, graph: str, path: str) -> None:
        if graph == 'raw':
            raise PredictorInputError(f'{path}: a raw graph (boxes and scores of all priors, '
                                      f'--no-nms) is for your own post-processing; export with '
                                      f'NMS (the default) or --head-outputs to run it here')

    def host_test_cfg(self, model: nn.Module, graph: str, fixed: Optional[Dict[str, Any]],
                      path: str) -> Dict[str, Any]:
        if graph != 'nms':
            return {}
        test_cfg = dict(model.bbox_head.test_cfg)
        extra = sorted(set(test_cfg) - set(NMS_GRAPH_KEYS))
        if extra:
            raise PredictorInputError(
                f'{path}: NMS is in this graph, which applies only {sorted(NMS_GRAPH_KEYS)}; '
                f'config {self.cfg.filename} sets test_cfg {extra} too: export the head outputs '
                f'(--head-outputs)')
        if fixed is None:  # a graph without contract: what it fixed is unknown
            return {}
        wanted, host = graph_settings(test_cfg), {}
        for key, value in wanted.items():
            if value == fixed.get(key):
                continue
            stricter = HOST_STRICTER.get(key)
            if stricter is not None and key in fixed and stricter(value, fixed[key]) == value:
                host[key] = value
                continue
            raise PredictorInputError(
                f'{path}: model.test_cfg.{key} is fixed in this graph at {fixed.get(key)!r} and '
                f'the config asks {value!r}, which only a new export gives: export again '
                f'(tools/deployment/export_onnx.py), or with --head-outputs to post-process '
                f'with any test_cfg')
        return host

    def fits_input(self, image_hw: Tuple[int, int], graph_hw: Tuple[int, int]) -> bool:
        """A smaller image is padded to the graph's size, as the data preprocessor pads."""
        return image_hw[0] <= graph_hw[0] and image_hw[1] <= graph_hw[1]

    # ------------------------------------------------------------------ host-side stages
    def postprocess(self, model: nn.Module, graph: str, outputs: Sequence[np.ndarray],
                    sample: Any, host_cfg: Dict[str, Any]) -> Dict[str, Any]:
        meta = sample.metainfo
        tensors = [torch.from_numpy(np.asarray(o)) for o in outputs]
        if graph == 'head':
            levels = len(tensors) // 2
            instances = model.bbox_head.predict_by_feat(
                tensors[:levels], tensors[levels:], batch_img_metas=[meta], rescale=True)[0]
        else:  # boxes in the network input's pixels; rescaled as mmdet rescales them
            instances = InstanceData(bboxes=tensors[0].float(), scores=tensors[1].float(),
                                     labels=tensors[2].long())
            if 'score_thr' in host_cfg:
                instances = instances[instances.scores > host_cfg['score_thr']]
            if 'max_per_img' in host_cfg:
                instances = instances[:host_cfg['max_per_img']]
            instances.bboxes = scale_boxes(instances.bboxes,
                                           [1 / s for s in meta['scale_factor']])
        sample.pred_instances = instances
        return dict(sample=sample, boxes=instances.bboxes.numpy(),
                    scores=instances.scores.numpy(), labels=instances.labels.numpy())

    def dataset_ids(self) -> Optional[DatasetIds]:
        """Image ids by file and category ids by label of the test set's COCO file, when the
        file is here (the dataset class's own mapping, which ``CocoMetric`` uses too)."""
        dataset_cfg = test_dataset_cfg(self.cfg)
        ann_file = dataset_cfg.get('ann_file')
        if not isinstance(ann_file, str) or not os.path.isfile(
                os.path.join(dataset_cfg.get('data_root', '') or '', ann_file)):
            return None
        with DefaultScope.overwrite_default_scope(self.scope):
            dataset = DATASETS.build(dict(copy.deepcopy(dataset_cfg), pipeline=[],
                                          lazy_init=False))
        cat_ids = getattr(dataset, 'cat_ids', None)
        if cat_ids is None:
            return None
        infos = (dataset.get_data_info(i) for i in range(len(dataset)))  # data_list: serialised
        return DatasetIds({os.path.realpath(d['img_path']): int(d['img_id']) for d in infos},
                          [int(c) for c in cat_ids])

    def end_to_end_module(self, model: nn.Module) -> Optional[nn.Module]:
        return DetectorExportWrapper(model, output='nms')

    # --------------------------------------------------------------------------- drawing
    def draw(self, visualizer: Any, image_rgb: np.ndarray, prediction: Prediction,
             out_file: str, score_thr: float) -> None:
        visualizer.add_datasample(prediction.name, image_rgb, prediction.sample, draw_gt=False,
                                  show=False, out_file=out_file, pred_score_thr=score_thr)

    def enable_show_dir(self, cfg: Config, show_dir: str) -> None:
        cfg.default_hooks.visualization.update(draw=True, test_out_dir=show_dir)
