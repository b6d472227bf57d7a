"""One interface over the inference engines: eager PyTorch, onnxruntime, OpenVINO (and, for the
paper comparison, Paddle Inference with oneDNN).

Every engine takes a float32 ``(N, C, H, W)`` numpy array of the static shape it was built for
and returns a tuple of numpy arrays, and states its precision (``fp32``, ``bf16`` or ``int8``):

- ``pytorch``: the BN-fused, re-parameterised eager model; fp32 also runs each convolution with
  its activation as one pre-packed oneDNN call (:mod:`pplc_vision.deploy.onednn`); bf16 through
  CPU autocast.
- ``onnxruntime``: the exported ONNX file; int8 is the NNCF-quantised QDQ ONNX file.
- ``openvino``: the same ONNX file compiled by OpenVINO's CPU plugin with an explicit
  ``INFERENCE_PRECISION_HINT`` (OpenVINO picks bf16 by itself on CPUs that have it); int8 is
  the NNCF-quantised OpenVINO IR (both int8 files: :mod:`pplc_vision.deploy.nncf_int8`).
"""
import dataclasses
import importlib
import inspect
import os
import sys
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from .export import export_onnx, onnxruntime_session
from .fuse import deploy_model
from .onednn import fuse_conv_activation
from .nncf_int8 import quantize_int8

ENGINES = ('pytorch', 'onnxruntime', 'openvino')
PRECISIONS = ('fp32', 'bf16', 'int8')
# precision -> what each engine supports
SUPPORTED = {
    'pytorch': ('fp32', 'bf16'),
    'onnxruntime': ('fp32', 'int8'),
    'openvino': ('fp32', 'bf16', 'int8'),
    'paddle': ('fp32', 'bf16'),
}
_PIP = {'onnxruntime': 'onnxruntime', 'openvino': 'openvino',
        'paddle': 'paddlepaddle==3.3.1 (and paddleclas==2.6.0 --no-deps)'}


class EngineNotInstalled(ImportError):
    """The engine's Python package cannot be imported."""


def _require(engine: str, module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EngineNotInstalled(f'engine {engine!r} is not installed (cannot import {module!r}): '
                                 f'pip install {_PIP.get(engine, module)}') from None


def check_engine(engine: str, precision: str) -> None:
    """Raise a one-line error for an unknown engine, an unknown or unsupported precision."""
    if engine not in SUPPORTED:
        raise ValueError(f'unknown engine {engine!r}: expected one of {ENGINES}')
    if precision not in PRECISIONS:
        raise ValueError(f'unknown precision {precision!r}: expected one of {PRECISIONS}')
    if precision not in SUPPORTED[engine]:
        others = [e for e in ENGINES if precision in SUPPORTED[e]]
        raise ValueError(f'engine {engine!r} does not run {precision}: it runs '
                         f'{SUPPORTED[engine]}; for {precision} use {others}')


class TensorForward(nn.Module):
    """Tensor in, tuple of tensors out: an OpenMMLab model's ``mode='tensor'`` forward, flattened.

    This is "the network alone" (no pre-processing, no NMS or resizing of the results).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(_flatten(self.model(inputs, mode='tensor')))


def _flatten(out: Any):
    if isinstance(out, torch.Tensor):
        yield out
    elif isinstance(out, dict):
        for value in out.values():
            yield from _flatten(value)
    elif isinstance(out, (list, tuple)):
        for value in out:
            yield from _flatten(value)
    else:
        raise TypeError(f'TensorForward: model output of type {type(out).__name__} is not a '
                        f'tensor or a (nested) sequence of tensors')


def as_tensor_module(model: nn.Module) -> nn.Module:
    """Wrap an OpenMMLab model (``forward(inputs, data_samples, mode)``) in :class:`TensorForward`;
    plain modules (torchvision, timm) are returned as they are."""
    if isinstance(model, TensorForward):
        return model
    if 'mode' in inspect.signature(model.forward).parameters:
        return TensorForward(model)
    return model


class InferenceEngine:
    """Base class: ``engine(x)`` runs one static-shape batch; ``info()`` describes the engine."""
    name = ''

    def __init__(self, precision: str, threads: Optional[int]) -> None:
        check_engine(self.name, precision)
        self.precision = precision
        self.threads = threads

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        raise NotImplementedError

    def info(self) -> Dict[str, Any]:
        return dict(engine=self.name, precision=self.precision, threads=self.threads)


class PyTorchEngine(InferenceEngine):
    """Eager PyTorch; ``fuse=True`` runs the re-parameterised, BN-folded copy of the module,
    in fp32 with convolution + activation as single oneDNN calls."""
    name = 'pytorch'

    def __init__(self, module: nn.Module, precision: str = 'fp32',
                 threads: Optional[int] = None, fuse: bool = True) -> None:
        super().__init__(precision, threads)
        module = as_tensor_module(module)
        self.fused = fuse
        self.reparameterized = self.folded = self.onednn_convs = 0
        if fuse:
            module, self.reparameterized, self.folded = deploy_model(module)
        module.eval()  # some modules' train() returns None (mmpretrain's MobileOne)
        if fuse and precision == 'fp32':  # autocast (bf16) does not reach the oneDNN op
            self.onednn_convs = fuse_conv_activation(module)
        self.module = module
        if threads is not None:
            torch.set_num_threads(threads)

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        x = torch.from_numpy(np.ascontiguousarray(inputs, np.float32))
        with torch.inference_mode(), torch.autocast(
                'cpu', dtype=torch.bfloat16, enabled=self.precision == 'bf16'):
            out = self.module(x)
        return tuple(t.float().numpy() for t in _flatten(out))

    def info(self) -> Dict[str, Any]:
        return dict(super().info(), fused=self.fused, folded_batchnorms=self.folded,
                    reparameterized_blocks=self.reparameterized,
                    onednn_fused_convs=self.onednn_convs)


class OnnxRuntimeEngine(InferenceEngine):
    """An onnxruntime CPU session over an ONNX file (int8: a QDQ-quantised file)."""
    name = 'onnxruntime'

    def __init__(self, onnx_path: str, precision: str = 'fp32',
                 threads: Optional[int] = None) -> None:
        super().__init__(precision, threads)
        _require(self.name, 'onnxruntime')
        self.path = onnx_path
        self.session = onnxruntime_session(onnx_path, threads)
        self.input_name = self.session.get_inputs()[0].name

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        return tuple(self.session.run(None, {self.input_name: np.ascontiguousarray(
            inputs, np.float32)}))

    def info(self) -> Dict[str, Any]:
        import onnxruntime
        return dict(super().info(), onnxruntime=onnxruntime.__version__)


class OpenVINOEngine(InferenceEngine):
    """OpenVINO's CPU plugin with an explicit precision hint and thread count (latency mode),
    over an ONNX file or OpenVINO IR (``.xml``; int8: the NNCF-quantised IR)."""
    name = 'openvino'

    def __init__(self, onnx_path: str, precision: str = 'fp32',
                 threads: Optional[int] = None) -> None:
        super().__init__(precision, threads)
        ov = _require(self.name, 'openvino')
        core = ov.Core()
        hint = 'bf16' if precision == 'bf16' else 'f32'  # int8: quantised layers int8, rest f32
        if hint == 'bf16' and 'BF16' not in core.get_property('CPU', 'OPTIMIZATION_CAPABILITIES'):
            raise ValueError('engine openvino: this CPU has no bf16 support '
                             '(OPTIMIZATION_CAPABILITIES lacks BF16); use --precision fp32')
        config = {'INFERENCE_PRECISION_HINT': hint, 'PERFORMANCE_HINT': 'LATENCY'}
        if threads is not None:
            config['INFERENCE_NUM_THREADS'] = threads
        self.path = onnx_path
        self.compiled = core.compile_model(core.read_model(onnx_path), 'CPU', config)
        actual = str(self.compiled.get_property('INFERENCE_PRECISION_HINT'))
        expected = 'bfloat16' if hint == 'bf16' else 'float32'
        if expected not in actual:  # reads back as e.g. "<Type: 'float32'>"
            raise RuntimeError(f'engine openvino: asked for precision hint {hint}, the compiled '
                               f'model reports {actual}')
        self.actual_hint = actual
        self.request = self.compiled.create_infer_request()
        self.outputs = list(self.compiled.outputs)

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        result = self.request.infer({0: np.ascontiguousarray(inputs, np.float32)})
        return tuple(np.asarray(result[o]) for o in self.outputs)

    def info(self) -> Dict[str, Any]:
        import openvino
        return dict(super().info(), openvino=openvino.__version__,
                    inference_precision_hint=self.actual_hint,
                    num_threads=int(self.compiled.get_property('INFERENCE_NUM_THREADS')))


def import_paddleclas_pplcnet():
    """The authors' ``pp_lcnet.py`` module, imported from the installed paddleclas wheel."""
    _require('paddle', 'paddle')
    spec = importlib.util.find_spec('paddleclas')
    if spec is None or not spec.submodule_search_locations:
        raise EngineNotInstalled('engine paddle: paddleclas is not installed: pip install '
                                 'paddleclas==2.6.0 --no-deps')
    wheel_root = list(spec.submodule_search_locations)[0]
    if wheel_root not in sys.path:
        sys.path.insert(0, wheel_root)  # the wheel ships ``ppcls`` inside ``paddleclas/``
    return importlib.import_module('ppcls.arch.backbone.legendary_models.pp_lcnet')


def build_paddle_pplcnet(scale: float = 1.0, calibration: Optional[np.ndarray] = None):
    """PaddleClas' ``PPLCNet`` (random weights) in eval mode; with ``calibration`` images its
    BatchNorm statistics are set to theirs (one train-mode pass with momentum 0)."""
    paddle = _require('paddle', 'paddle')
    model = import_paddleclas_pplcnet().PPLCNet(scale=scale, class_num=1000)
    if calibration is not None:
        norms = [m for m in model.sublayers() if isinstance(m, paddle.nn.layer.norm._BatchNormBase)]
        momenta = [m._momentum for m in norms]
        for m in norms:
            m._momentum = 0.0
        model.train()
        with paddle.no_grad():
            model(paddle.to_tensor(np.ascontiguousarray(calibration, np.float32)))
        for m, momentum in zip(norms, momenta):
            m._momentum = momentum
    model.eval()
    return model


class PaddleInferenceEngine(InferenceEngine):
    """Paddle Inference on the CPU with oneDNN, over a ``paddle.jit.save``-d Paddle model."""
    name = 'paddle'

    def __init__(self, layer, example_shape: Sequence[int], workdir: str,
                 precision: str = 'fp32', threads: Optional[int] = None) -> None:
        super().__init__(precision, threads)
        paddle = _require(self.name, 'paddle')
        from paddle import inference
        loaded = list(sys.modules)
        if 'torch' in loaded and loaded.index('torch') < loaded.index('paddle'):
            raise RuntimeError('engine paddle: torch was imported before paddle in this process, '
                               'which makes Paddle Inference about 100x slower (their OpenMP '
                               'runtimes clash): import paddle before torch and pplc_vision')
        prefix = os.path.join(workdir, 'paddle_model')
        paddle.jit.save(layer, prefix, input_spec=[
            paddle.static.InputSpec(list(example_shape), 'float32', 'x')])
        model_file = next((prefix + ext for ext in ('.json', '.pdmodel')
                           if os.path.exists(prefix + ext)), None)
        if model_file is None:
            raise RuntimeError(f'engine paddle: paddle.jit.save wrote no model file at {prefix}')
        config = inference.Config(model_file, prefix + '.pdiparams')
        config.disable_gpu()
        config.enable_mkldnn()
        if precision == 'bf16':
            config.enable_mkldnn_bfloat16()
        if threads is not None:
            config.set_cpu_math_library_num_threads(threads)
        config.disable_glog_info()
        self.predictor = inference.create_predictor(config)
        self.input = self.predictor.get_input_handle(self.predictor.get_input_names()[0])
        self.outputs = [self.predictor.get_output_handle(n)
                        for n in self.predictor.get_output_names()]

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        self.input.copy_from_cpu(np.ascontiguousarray(inputs, np.float32))
        self.predictor.run()
        return tuple(o.copy_to_cpu() for o in self.outputs)

    def info(self) -> Dict[str, Any]:
        import paddle
        return dict(super().info(), paddle=paddle.__version__, onednn=True)


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
        return PyTorchEngine(module, precision, threads, fuse=fuse)
    _require(engine, 'onnxruntime' if engine == 'onnxruntime' else 'openvino')
    if precision == 'int8' and calibration is None:
        raise ValueError(f'engine {engine!r} int8: calibration images are required')
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix='pplc_engine_')
        workdir = tmp.name
    os.makedirs(workdir, exist_ok=True)
    deployed, _, _ = deploy_model(as_tensor_module(module))
    with torch.no_grad():
        num_outputs = len(tuple(_flatten(deployed(example))))
    path = export_onnx(deployed, example, os.path.join(workdir, 'model.onnx'),
                       output_names=[f'output{i}' for i in range(num_outputs)])
    if precision == 'int8':
        ext = '.xml' if engine == 'openvino' else '.onnx'
        path = quantize_int8(path, os.path.join(workdir, 'model_int8' + ext), calibration)
    cls = OnnxRuntimeEngine if engine == 'onnxruntime' else OpenVINOEngine
    built = cls(path, precision, threads)
    built._workdir = tmp  # keeps a temporary folder alive with the engine
    return built


@dataclasses.dataclass(frozen=True)
class OutputDrift:
    """How far an engine's outputs are from a reference (PyTorch fp32) on the same images."""
    relative_error: float  # max |out - ref| / max |ref|, the worst over all outputs
    max_abs_error: float  # the largest output (logit) error
    top1_agreement: Optional[float]  # fraction of images with the same argmax (classifiers)
    images: int


def run_batches(engine, images: np.ndarray, batch: int = 1) -> List[np.ndarray]:
    """Every output of ``engine`` on ``images``, ``batch`` images at a time, concatenated."""
    if len(images) == 0 or len(images) % batch:
        raise ValueError(f'run_batches: {len(images)} images are not a positive multiple of '
                         f'batch {batch}')
    outs = [engine(images[i:i + batch]) for i in range(0, len(images), batch)]
    return [np.concatenate(parts) for parts in zip(*outs)]


def measure_drift(reference: Sequence[np.ndarray], outputs: Sequence[np.ndarray]
                  ) -> OutputDrift:
    """Compare outputs with references of the same shapes (a single array or one per output)."""
    if isinstance(reference, np.ndarray):
        reference, outputs = [reference], [outputs]
    if len(reference) != len(outputs):
        raise ValueError(f'measure_drift: {len(outputs)} outputs, {len(reference)} references')
    rel, worst = 0.0, 0.0
    for ref, out in zip(reference, outputs):
        if ref.shape != out.shape:
            raise ValueError(f'measure_drift: output shape {out.shape} differs from the '
                             f'reference {ref.shape}')
        diff = float(np.abs(out.astype(np.float64) - ref.astype(np.float64)).max())
        rel = max(rel, diff / max(float(np.abs(ref).max()), 1e-12))
        worst = max(worst, diff)
    top1 = None
    if len(reference) == 1 and reference[0].ndim == 2:
        top1 = float((reference[0].argmax(1) == outputs[0].argmax(1)).mean())
    return OutputDrift(relative_error=rel, max_abs_error=worst, top1_agreement=top1,
                       images=len(reference[0]))
