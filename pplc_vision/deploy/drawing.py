"""Drawings of predictions with the config's own visualizer, as ``tools/test.py --show-dir``.

The task visualizers (mmdet ``DetLocalVisualizer``, mmseg ``SegLocalVisualizer``, mmpretrain
``UniversalVisualizer``) draw with matplotlib's Agg canvas, so they run without a display; each
task says how its visualizer is called (:meth:`~pplc_vision.deploy.tasks.Task.draw`).
"""
import copy
import itertools
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.registry import VISUALIZERS, DefaultScope

from .predictions import Prediction
from .tasks import Task

# the lowest score drawn by mmdet's DetVisualizationHook, which tools/test.py --show-dir uses
# (detection only: the other tasks draw every result)
DRAW_SCORE_THR = 0.3
_names = itertools.count()


class PredictionDrawer:
    """Draws a :class:`~.predictions.Prediction` of ``task``'s config on its image into a file."""

    def __init__(self, task: Task, class_names: Sequence[str],
                 palette: Optional[list] = None, score_thr: float = DRAW_SCORE_THR) -> None:
        cfg = task.cfg
        self.task = task
        vis_cfg = copy.deepcopy(dict(cfg.get('visualizer') or {}))
        if not vis_cfg:
            raise ValueError(f'config {cfg.filename}: no `visualizer` to draw with')
        vis_cfg.pop('vis_backends', None)
        vis_cfg.pop('save_dir', None)
        vis_cfg['name'] = f'pplc_predictor_{next(_names)}'  # a fresh instance each time
        with DefaultScope.overwrite_default_scope(task.scope):
            self.visualizer = VISUALIZERS.build(vis_cfg)
        meta = dict(classes=list(class_names))
        palette = palette if palette is not None else task.palette(class_names)
        if palette is not None:
            meta['palette'] = palette
        self.visualizer.dataset_meta = meta
        self.score_thr = score_thr

    def draw(self, image_bgr: np.ndarray, prediction: Prediction, out_file: str) -> None:
        """Write ``prediction`` drawn over ``image_bgr`` to ``out_file``."""
        self.task.draw(self.visualizer, mmcv.bgr2rgb(image_bgr), prediction, out_file,
                       self.score_thr)
