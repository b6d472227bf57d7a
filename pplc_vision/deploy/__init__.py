"""Deployment: from a trained model to a file or an engine (never imported by the models).

- :mod:`.tasks`: one :class:`~.tasks.Task` per codebase (classification, detection,
  segmentation), chosen once from the config (:func:`~.tasks.task_for`); each owns its export
  wrappers, the check that a graph fits the config, its post-processing, result and drawing.
- :mod:`.export`: ONNX export, the one path of all tasks (``export_onnx``, written atomically);
  :mod:`.contract`: what an exported model says it was exported with, and the checks against a
  config; :mod:`.preprocess`: the data preprocessor's swap and normalisation in the graph;
  :mod:`.config_export` exports any config's model.
- :mod:`.engines`: one module per inference engine (PyTorch, onnxruntime, OpenVINO, Paddle
  Inference as the reference) behind one interface, ``build_engine`` and ``load_engine``.
- :mod:`.int8`: NNCF int8 quantisation; :mod:`.calibration`: real images, crops and BatchNorm
  statistics for calibration and drift checks; :mod:`.dataset_inputs`: a config's own
  datasets read through its test pipeline.
- Inference of exported models: :mod:`.predictor` (``Predictor``: the config's test pipeline,
  an engine, the model's own post-processing), :mod:`.inputs` (images, folders, videos),
  :mod:`.predictions` (the result dataclasses and their JSON), :mod:`.drawing` (the config's
  visualizer), :mod:`.class_names`, :mod:`.label_map` (segmentation logits to labels).
- Fusion for eager PyTorch: :mod:`.reparam` (MobileOne branches), :mod:`.fuse` (Conv+BN, by
  mmcv), :mod:`.jit_freeze` (trace, freeze, optimise: conv+activation as one oneDNN call).
"""
from .engines import onnxruntime_session
from .export import DEFAULT_OPSET, export_onnx
from .inputs import PredictorInputError
from .predictions import Classification, Detections, Segmentation, Timing
from .predictor import Predictor
from .tasks import Task, task_for

__all__ = [
    'DEFAULT_OPSET', 'export_onnx', 'onnxruntime_session', 'Predictor', 'PredictorInputError',
    'Classification', 'Detections', 'Segmentation', 'Timing', 'Task', 'task_for'
]
