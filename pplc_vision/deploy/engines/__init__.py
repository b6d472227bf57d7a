"""Inference engines behind one interface (:class:`InferenceEngine`), one module each.

- :mod:`.base`: the interface (a call, precision, threads, the model file's ports and metadata),
  ``check_engine``, ``EngineNotInstalled``, ``as_tensor_module``;
- :mod:`.pytorch`: the BN-folded eager model (fp32 with oneDNN conv+activation, bf16 autocast);
- :mod:`.onnxruntime` and :mod:`.openvino`: the exported ONNX file or OpenVINO IR (int8: NNCF's
  files), each creating its own session;
- :mod:`.paddle_inference`: Paddle Inference with oneDNN over the authors' networks
  (:mod:`pplc_vision.references`), the reference of the paper comparison;
- :mod:`.factory`: :func:`build_engine`, from a PyTorch module to any engine and precision, and
  :func:`load_engine`, an engine over an exported file;
- :mod:`.interleaved`: the interleaved race that times engines against each other;
- :mod:`.auto`: ``--engine auto``, the engines raced briefly at load and the fastest used (over
  an exported file, the choice cached per file, precision, threads and CPU).
"""
from .base import (ENGINES, NOT_OFFERED, PRECISIONS, SUPPORTED, EngineNotInstalled,
                   InferenceEngine, TensorForward, as_tensor_module, check_engine,
                   offered_engines)
from .auto import (AUTO, CACHE_MODES, ChoiceCache, EngineChoice, build_fastest_engine,
                   load_fastest_engine, pick_fastest)
from .factory import build_engine, load_engine
from .onnxruntime import OnnxRuntimeEngine, onnxruntime_session
from .openvino import OpenVINOEngine
from .paddle_inference import PaddleInferenceEngine
from .pytorch import PyTorchEngine

__all__ = [
    'ENGINES', 'PRECISIONS', 'SUPPORTED', 'EngineNotInstalled', 'InferenceEngine',
    'TensorForward', 'as_tensor_module', 'check_engine', 'build_engine', 'load_engine',
    'OnnxRuntimeEngine', 'onnxruntime_session', 'OpenVINOEngine', 'PaddleInferenceEngine',
    'PyTorchEngine', 'AUTO', 'CACHE_MODES', 'ChoiceCache', 'EngineChoice',
    'build_fastest_engine', 'load_fastest_engine', 'pick_fastest',
    'NOT_OFFERED', 'offered_engines'
]
