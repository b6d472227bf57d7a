"""Drawings of predictions with the config's own visualizer, as ``tools/test.py --show-dir``.

The task visualizers (mmdet ``DetLocalVisualizer``, mmseg ``SegLocalVisualizer``, mmpretrain
``UniversalVisualizer``) draw with matplotlib's Agg canvas, so they run without a display.
"""
import copy
import itertools
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.config import Config
from mmengine.registry import VISUALIZERS, DefaultScope

from .predictions import Prediction

# the score threshold of mmdet's DetVisualizationHook, which tools/test.py --show-dir uses
DET_SCORE_THR = 0.3
_names = itertools.count()


class PredictionDrawer:
    """Draws a :class:`~.predictions.Prediction` on its image into a file."""

    def __init__(self, cfg: Config, class_names: Sequence[str],
                 palette: Optional[list] = None, score_thr: float = DET_SCORE_THR) -> None:
        self.scope = cfg.default_scope
        vis_cfg = copy.deepcopy(dict(cfg.get('visualizer') or {}))
        if not vis_cfg:
            raise ValueError(f'config {cfg.filename}: no `visualizer` to draw with')
        vis_cfg.pop('vis_backends', None)
        vis_cfg.pop('save_dir', None)
        vis_cfg['name'] = f'pplc_predictor_{next(_names)}'  # a fresh instance each time
        with DefaultScope.overwrite_default_scope(self.scope):
            self.visualizer = VISUALIZERS.build(vis_cfg)
        self.class_names = list(class_names)
        meta = dict(classes=self.class_names)
        if palette is not None:
            meta['palette'] = palette
        elif self.scope == 'mmseg':  # mmseg needs a colour per class
            rng = np.random.default_rng(0)
            meta['palette'] = rng.integers(0, 256, (len(class_names), 3)).tolist()
        self.visualizer.dataset_meta = meta
        self.score_thr = score_thr

    def draw(self, image_bgr: np.ndarray, prediction: Prediction, out_file: str) -> None:
        """Write ``prediction`` drawn over ``image_bgr`` to ``out_file``."""
        image = mmcv.bgr2rgb(image_bgr)
        if self.scope == 'mmpretrain':
            self.visualizer.visualize_cls(image, prediction.sample, classes=self.class_names,
                                          draw_gt=False, show=False, out_file=out_file)
        elif self.scope == 'mmdet':
            self.visualizer.add_datasample(prediction.name, image, prediction.sample,
                                           draw_gt=False, show=False, out_file=out_file,
                                           pred_score_thr=self.score_thr)
        else:
            self.visualizer.add_datasample(prediction.name, image, prediction.sample,
                                           draw_gt=False, show=False, out_file=out_file)
