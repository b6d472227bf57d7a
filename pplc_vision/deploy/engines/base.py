"""The interface every inference engine implements, and the checks shared by all of them.

An engine takes a float32 ``(N, C, H, W)`` numpy array of the static shape it was built for,
returns a tuple of numpy arrays, and states its precision (``fp32``, ``bf16`` or ``int8``) and
threads. Engines over a model file also give its ports (``input_shape``, ``output_shapes``:
``None`` for a dynamic dimension) and the file's metadata (``metadata``: the contract that
:mod:`pplc_vision.deploy.contract` reads); callers use engines through these only.
"""
import importlib
import inspect
from types import ModuleType
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

ENGINES = ('pytorch', 'onnxruntime', 'openvino')
PRECISIONS = ('fp32', 'bf16', 'int8')
# precision -> what each engine supports ('paddle' is the reference of the paper comparison)
SUPPORTED = {
    'pytorch': ('fp32', 'bf16'),
    'onnxruntime': ('fp32', 'int8'),
    'openvino': ('fp32', 'bf16', 'int8'),
    'paddle': ('fp32', 'bf16'),
}
# (engine, precision) -> why the tools do not offer it, though the engine runs it (a file the
# user brings still loads in the engine's class). Measured (issue 33, tools/analysis_tools/
# onnxruntime_int8.py): no quantisation of PP-LCNet makes onnxruntime int8 faster than its fp32.
NOT_OFFERED = {
    ('onnxruntime', 'int8'): 'onnxruntime int8 is slower than onnxruntime fp32 on PP-LCNet '
    '(0.3-0.8x, measured with NNCF and onnxruntime quantisers, QDQ and QOperator: onnxruntime '
    'does not fuse int8 convolutions with hard-swish); use openvino int8 or onnxruntime fp32',
}
_PIP = {'onnxruntime': 'onnxruntime', 'openvino': 'openvino',
        'paddle': 'paddlepaddle==3.3.1 (and paddleclas==2.6.0 --no-deps)'}


class EngineNotInstalled(ImportError):
    """The engine's Python package cannot be imported."""


def import_engine_module(engine: str, module: str) -> ModuleType:
    """Import an engine's (optional) package, or raise :class:`EngineNotInstalled` in one line
    that names the pip package."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EngineNotInstalled(f'engine {engine!r} is not installed (cannot import {module!r}): '
                                 f'pip install {_PIP.get(engine, module)}') from None


def offered_engines(precision: str) -> List[str]:
    """The engines (:data:`ENGINES`) that run ``precision`` and the tools offer for it
    (:data:`NOT_OFFERED`)."""
    return [e for e in ENGINES if precision in SUPPORTED[e] and (e, precision) not in NOT_OFFERED]


def check_engine(engine: str, precision: str, offered_only: bool = True) -> None:
    """Raise a one-line error for an unknown engine, an unknown or unsupported precision, and
    (``offered_only``) for a combination the tools do not offer (:data:`NOT_OFFERED`)."""
    if engine not in SUPPORTED:
        raise ValueError(f'unknown engine {engine!r}: expected one of {ENGINES}')
    if precision not in PRECISIONS:
        raise ValueError(f'unknown precision {precision!r}: expected one of {PRECISIONS}')
    if precision not in SUPPORTED[engine]:
        others = offered_engines(precision)
        raise ValueError(f'engine {engine!r} does not run {precision}: it runs '
                         f'{SUPPORTED[engine]}; for {precision} use {others}')
    if offered_only and (engine, precision) in NOT_OFFERED:
        raise ValueError(f'engine {engine!r} {precision} is not offered: '
                         f'{NOT_OFFERED[engine, precision]}')


def flatten_outputs(out: Any) -> Iterator[torch.Tensor]:
    """The tensors of a model output (a tensor, or nested dicts/lists/tuples of tensors)."""
    if isinstance(out, torch.Tensor):
        yield out
    elif isinstance(out, dict):
        for value in out.values():
            yield from flatten_outputs(value)
    elif isinstance(out, (list, tuple)):
        for value in out:
            yield from flatten_outputs(value)
    else:
        raise TypeError(f'TensorForward: model output of type {type(out).__name__} is not a '
                        f'tensor or a (nested) sequence of tensors')


class TensorForward(nn.Module):
    """Tensor in, tuple of tensors out: an OpenMMLab model's ``mode='tensor'`` forward, flattened.

    This is "the network alone" (no pre-processing, no NMS or resizing of the results).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(flatten_outputs(self.model(inputs, mode='tensor')))


def as_tensor_module(model: nn.Module) -> nn.Module:
    """Wrap an OpenMMLab model (``forward(inputs, data_samples, mode)``) in :class:`TensorForward`;
    plain modules (torchvision, timm) are returned as they are."""
    if isinstance(model, TensorForward):
        return model
    if 'mode' in inspect.signature(model.forward).parameters:
        return TensorForward(model)
    return model


Shape = List[Optional[int]]


def static_dims(shape: Sequence[Any]) -> Shape:
    """A port's dimensions as ints, ``None`` where dynamic (a name, -1 or an unknown)."""
    return [d if isinstance(d, int) and d >= 0 else None for d in shape]


class InferenceEngine:
    """Base class: ``engine(x)`` runs one static-shape batch; ``info()`` describes the engine.

    Attributes:
        precision, threads: What it runs at (``threads`` ``None``: the runtime's default).
        input_shape, output_shapes: The model's ports (``None`` when the engine has no file).
        metadata: The model file's metadata (string keys and values; empty without one).
    """
    name = ''

    def __init__(self, precision: str, threads: Optional[int]) -> None:
        check_engine(self.name, precision, offered_only=False)  # runs the file it is given
        self.precision = precision
        self.threads = threads
        self.input_shape: Optional[Shape] = None
        self.output_shapes: Optional[List[Shape]] = None
        self.metadata: Dict[str, str] = {}
        self._kept: List[Any] = []

    def keep_alive(self, resource: Any) -> None:
        """Keep ``resource`` (e.g. the temporary folder of its file) as long as the engine."""
        self._kept.append(resource)

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        raise NotImplementedError

    def info(self) -> Dict[str, Any]:
        return dict(engine=self.name, precision=self.precision, threads=self.threads)
