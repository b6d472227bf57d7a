"""Deployment by task: one :class:`Task` per OpenMMLab codebase, chosen once from the config.

:func:`task_for` reads the config's ``default_scope`` (``mmpretrain``, ``mmdet``, ``mmseg``) and
returns the task that owns, for that codebase: its export wrappers and output names
(:meth:`Task.export`, which writes the model's contract, :mod:`pplc_vision.deploy.contract`),
the check that a graph fits the config (:meth:`Task.graph_of`, :meth:`Task.host_test_cfg`,
:meth:`Task.fits_input`), the test pipeline (:meth:`Task.test_pipeline`, the one way to read
it), host-side post-processing and its result type (:meth:`Task.postprocess`,
:attr:`Task.result_type`), the end-to-end module of the benchmarks
(:meth:`Task.end_to_end_module`), drawing (:meth:`Task.draw`) and the ``--show-dir`` switch of
``tools/test.py`` (:meth:`Task.enable_show_dir`). No other module compares task names
(``tests/test_package_structure.py`` checks it).

Extension points:

- a new detection head family (e.g. a PicoDet with another head and raw outputs): add its
  decoder from head maps to per-prior boxes and scores to
  :data:`.detection_graph.PRIOR_DECODERS`; the in-graph post-processing
  (:class:`.detection_graph.InGraphPostProcess`) is derived from the head's ``test_cfg``
  (:func:`.detection_graph.graph_settings`), so a new ``test_cfg`` key is one entry there and
  in :data:`.detection_graph.NMS_GRAPH_KEYS`;
- classification post-processing is the head's own ``_get_predictions`` (a multi-label head's
  sigmoid and thresholds come with it); a result that needs more fields (thresholded label
  sets) extends :class:`~pplc_vision.deploy.predictions.Classification` and
  :meth:`.classification.ClassificationTask.postprocess`;
- input sizes are ``(H, W)`` everywhere (export ``--shape H W``, the contract's
  ``input_size``): non-square inputs need no change;
- a new codebase is a :class:`Task` subclass added to :data:`TASKS`.
"""
import importlib
from typing import Any

from mmengine.config import Config

from ...registry import MissingLibraryError, check_config_libraries
from .base import Task, TaskError

#: default_scope -> (module of this package, Task class). A task's module imports its OpenMMLab
#: library, so it is imported when a config of that task is used, never before.
TASKS = {'mmpretrain': ('classification', 'ClassificationTask'),
         'mmdet': ('detection', 'DetectionTask'),
         'mmseg': ('segmentation', 'SegmentationTask')}
#: the other public names, importable from here as before (each from its task's module)
_LAZY = {'ClassificationTask': 'classification', 'ClassifierExportWrapper': 'classification',
         'DetectionTask': 'detection', 'DetectorExportWrapper': 'detection_graph',
         'SegmentationTask': 'segmentation', 'SegmentorExportWrapper': 'segmentation'}


def task_for(cfg: Config) -> Task:
    """The task of ``cfg``, from its ``default_scope``; one line for a scope without one or
    whose library is not installed."""
    scope = cfg.get('default_scope')
    if scope not in TASKS:
        raise TaskError(f'config {cfg.filename}: default_scope {scope!r} is not one of '
                        f'{sorted(TASKS)}')
    try:
        check_config_libraries(cfg)
    except MissingLibraryError as e:
        raise TaskError(str(e)) from None
    module, name = TASKS[scope]
    return getattr(importlib.import_module(f'.{module}', __name__), name)(cfg)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f'.{_LAZY[name]}', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = [
    'TASKS', 'Task', 'TaskError', 'task_for', 'ClassificationTask', 'DetectionTask',
    'SegmentationTask', 'ClassifierExportWrapper', 'DetectorExportWrapper',
    'SegmentorExportWrapper'
]
