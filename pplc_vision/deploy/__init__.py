"""Deployment: from a trained model to a file or an engine (never imported by the models).

- :mod:`.export`: ONNX export, the one path of all tasks (``export_onnx``, written atomically);
  :mod:`.classification`, :mod:`.detection`, :mod:`.segmentation` wrap each task's model as a
  tensor-in module (pre-processing in the graph, :mod:`.preprocess`); :mod:`.config_export`
  exports any config's model.
- :mod:`.engines`: one module per inference engine (PyTorch, onnxruntime, OpenVINO, Paddle
  Inference as the reference) behind one interface, and ``build_engine``.
- :mod:`.int8`: NNCF int8 quantisation; :mod:`.calibration`: real images, crops and BatchNorm
  statistics for calibration and drift checks.
- Inference of exported models: :mod:`.predictor` (``Predictor``: the config's test pipeline,
  an engine, the model's own post-processing), :mod:`.inputs` (images, folders, videos),
  :mod:`.predictions` (the result dataclasses and their JSON), :mod:`.drawing` (the config's
  visualizer), :mod:`.class_names`; :mod:`.detection_head` exports a detector's head outputs
  (post-processing outside the graph, as ``tools/test.py`` does it).
- Fusion for eager PyTorch: :mod:`.reparam` (MobileOne branches), :mod:`.fuse` (Conv+BN, by
  mmcv), :mod:`.jit_freeze` (trace, freeze, optimise: conv+activation as one oneDNN call).
"""
from .detection_head import DetectorHeadExportWrapper, export_detector_head_onnx
from .export import DEFAULT_OPSET, export_onnx, onnxruntime_session
from .inputs import PredictorInputError
from .predictions import Classification, Detections, Segmentation, Timing
from .predictor import Predictor

__all__ = [
    'DEFAULT_OPSET', 'export_onnx', 'onnxruntime_session', 'DetectorHeadExportWrapper',
    'export_detector_head_onnx', 'Predictor', 'PredictorInputError', 'Classification',
    'Detections', 'Segmentation', 'Timing'
]
