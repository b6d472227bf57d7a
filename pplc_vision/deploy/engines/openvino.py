"""OpenVINO's CPU plugin as an engine, with an explicit precision hint and thread count.

OpenVINO picks bf16 by itself on CPUs that have it, so the hint is always set and read back.
The ``openvino`` package is imported by absolute name, so this module never shadows it.
"""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..contract import openvino_metadata
from .base import InferenceEngine, import_engine_module


def openvino_cpu_has_bf16() -> bool:
    """Whether OpenVINO's CPU plugin runs bf16 here (CPUs with AVX512-BF16 or AMX)."""
    ov = import_engine_module('openvino', 'openvino')
    return 'BF16' in ov.Core().get_property('CPU', 'OPTIMIZATION_CAPABILITIES')


def _port_shape(port) -> List[Optional[int]]:
    return [d.get_length() if d.is_static else None for d in port.get_partial_shape()]


class OpenVINOEngine(InferenceEngine):
    """OpenVINO's CPU plugin with an explicit precision hint and thread count (latency mode),
    over an ONNX file or OpenVINO IR (``.xml``; int8: the NNCF-quantised IR)."""
    name = 'openvino'

    @staticmethod
    def check_precision(precision: str) -> None:
        """Refuse in one line a precision this CPU cannot run (bf16 without AVX512-BF16/AMX)."""
        if precision == 'bf16' and not openvino_cpu_has_bf16():
            raise ValueError('engine openvino: this CPU has no bf16 support '
                             '(OPTIMIZATION_CAPABILITIES lacks BF16); use --precision fp32')

    def __init__(self, onnx_path: str, precision: str = 'fp32',
                 threads: Optional[int] = None) -> None:
        super().__init__(precision, threads)
        self.check_precision(precision)
        ov = import_engine_module(self.name, 'openvino')
        self.runtime = ov
        core = ov.Core()
        hint = 'bf16' if precision == 'bf16' else 'f32'  # int8: quantised layers int8, rest f32
        config = {'INFERENCE_PRECISION_HINT': hint, 'PERFORMANCE_HINT': 'LATENCY'}
        if threads is not None:
            config['INFERENCE_NUM_THREADS'] = threads
        self.path = onnx_path
        model = core.read_model(onnx_path)
        self.metadata = openvino_metadata(model)
        self.compiled = core.compile_model(model, 'CPU', config)
        actual = str(self.compiled.get_property('INFERENCE_PRECISION_HINT'))
        expected = 'bfloat16' if hint == 'bf16' else 'float32'
        if expected not in actual:  # reads back as e.g. "<Type: 'float32'>"
            raise RuntimeError(f'engine openvino: asked for precision hint {hint}, the compiled '
                               f'model reports {actual}')
        self.actual_hint = actual
        self.request = self.compiled.create_infer_request()
        self.outputs = list(self.compiled.outputs)
        self.input_shape = _port_shape(self.compiled.inputs[0])
        self.output_shapes = [_port_shape(o) for o in self.outputs]

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        result = self.request.infer({0: np.ascontiguousarray(inputs, np.float32)})
        return tuple(np.asarray(result[o]) for o in self.outputs)

    def info(self) -> Dict[str, Any]:
        return dict(super().info(), openvino=self.runtime.__version__,
                    inference_precision_hint=self.actual_hint,
                    num_threads=int(self.compiled.get_property('INFERENCE_NUM_THREADS')))
