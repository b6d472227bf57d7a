"""onnxruntime's CPU execution provider as an engine (fp32, or int8 from a QDQ ONNX file).

The ``onnxruntime`` package is imported by absolute name, so this module never shadows it.
"""
from typing import Any, Dict, Optional, Tuple

import numpy as np

from .base import InferenceEngine, import_engine_module, static_dims


def onnxruntime_session(path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session with a fixed thread count (``None``: onnxruntime's default)."""
    ort = import_engine_module('onnxruntime', 'onnxruntime')
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])


class OnnxRuntimeEngine(InferenceEngine):
    """An onnxruntime CPU session over an ONNX file (int8: a QDQ-quantised file)."""
    name = 'onnxruntime'

    def __init__(self, onnx_path: str, precision: str = 'fp32',
                 threads: Optional[int] = None) -> None:
        super().__init__(precision, threads)
        self.runtime = import_engine_module(self.name, 'onnxruntime')
        self.path = onnx_path
        self.session = onnxruntime_session(onnx_path, threads)
        first = self.session.get_inputs()[0]
        self.input_name = first.name
        self.input_shape = static_dims(first.shape)
        self.output_shapes = [static_dims(o.shape) for o in self.session.get_outputs()]
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        return tuple(self.session.run(None, {self.input_name: np.ascontiguousarray(
            inputs, np.float32)}))

    def info(self) -> Dict[str, Any]:
        return dict(super().info(), onnxruntime=self.runtime.__version__)
