"""``build_engine``: one call from a PyTorch module to any engine at any precision;
``load_engine``: an engine over an exported file.

ONNX-based engines run the exported deploy (re-parameterised, BN-folded) copy of the module;
their int8 files are NNCF's (:mod:`pplc_vision.deploy.int8`).
"""
import os
import tempfile
from typing import Optional

import numpy as np
import torch
from torch import nn

from ..export import export_onnx
from ..fuse import deploy_model
from ..inputs import PredictorInputError
from ..int8 import quantize_int8
from .base import InferenceEngine, as_tensor_module, check_engine, flatten_outputs, \
    import_engine_module
from .onnxruntime import OnnxRuntimeEngine
from .openvino import OpenVINOEngine
from .pytorch import PyTorchEngine

_ONNX_ENGINES = {'onnxruntime': OnnxRuntimeEngine, 'openvino': OpenVINOEngine}


def build_engine(module: nn.Module,
                 example: torch.Tensor,
                 engine: str = 'pytorch',
                 precision: str = 'fp32',
                 threads: Optional[int] = None,
                 workdir: Optional[str] = None,
                 calibration: Optional[np.ndarray] = None,
                 fuse: bool = True) -> InferenceEngine:
    """An engine running ``module`` (an OpenMMLab model or a tensor-in/tensor-out module) on
    inputs shaped like ``example``.

    ONNX-based engines export the deploy (fused) copy of the module to ``workdir/model.onnx``
    (a temporary folder by default, kept as long as the engine lives); int8 quantises it with
    ``calibration``, a float32 array of preprocessed real images shaped like ``example``, with
    NNCF: ``model_int8.onnx`` (QDQ) for onnxruntime, ``model_int8.xml`` for OpenVINO.
    """
    check_engine(engine, precision)
    if engine == 'pytorch':
        return PyTorchEngine(module, precision, threads, fuse=fuse, example=example)
    if engine not in _ONNX_ENGINES:
        raise ValueError(f'build_engine: engine {engine!r} runs a Paddle model: build a '
                         f'PaddleInferenceEngine directly')
    import_engine_module(engine, engine)  # fail before exporting when it is not installed
    if engine == 'openvino':
        OpenVINOEngine.check_precision(precision)  # likewise when this CPU cannot run it
    if precision == 'int8' and calibration is None:
        raise ValueError(f'engine {engine!r} int8: calibration images are required')
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix='pplc_engine_')
        workdir = tmp.name
    os.makedirs(workdir, exist_ok=True)
    deployed, _, _ = deploy_model(as_tensor_module(module))
    with torch.no_grad():
        num_outputs = len(tuple(flatten_outputs(deployed(example))))
    path = export_onnx(deployed, example, os.path.join(workdir, 'model.onnx'),
                       output_names=[f'output{i}' for i in range(num_outputs)])
    if precision == 'int8':
        ext = '.xml' if engine == 'openvino' else '.onnx'
        path = quantize_int8(path, os.path.join(workdir, 'model_int8' + ext), calibration)
    built = _ONNX_ENGINES[engine](path, precision, threads)
    if tmp is not None:
        built.keep_alive(tmp)
    return built


def load_engine(model_path: str, engine: str = 'openvino', precision: str = 'fp32',
                threads: Optional[int] = None) -> InferenceEngine:
    """An onnxruntime or OpenVINO engine over an exported ``.onnx`` (or OpenVINO ``.xml``) file;
    one line naming the file when it cannot be loaded."""
    check_engine(engine, precision)
    if engine not in _ONNX_ENGINES:
        raise ValueError(f'exported files run in {" or ".join(_ONNX_ENGINES)}, not {engine!r}')
    if not os.path.isfile(model_path):
        raise PredictorInputError(f'{model_path}: no such model file')
    if engine == 'onnxruntime' and not model_path.endswith('.onnx'):
        raise PredictorInputError(f'{model_path}: onnxruntime runs .onnx files only '
                                  f'(use --engine openvino for OpenVINO IR)')
    try:
        return _ONNX_ENGINES[engine](model_path, precision, threads)
    except (ImportError, ValueError):
        raise
    except Exception as e:  # noqa: BLE001  (each runtime raises its own types for a bad file)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise PredictorInputError(f'{model_path}: {engine} cannot load this model: '
                                  f'{first[:200]}') from None
