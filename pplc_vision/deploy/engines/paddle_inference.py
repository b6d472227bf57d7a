"""Paddle Inference (CPU, oneDNN) as an engine: the reference of the paper comparison.

The network it runs is the authors' own PP-LCNet (``pp_lcnet.py`` of the paddleclas wheel,
:func:`build_paddle_pplcnet`). paddlepaddle and paddleclas are optional: they are imported only
when a Paddle engine or network is built, with a one-line error naming the pip packages.
"""
import functools
import importlib
import importlib.util
import logging
import os
import sys
from types import ModuleType
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .base import EngineNotInstalled, InferenceEngine, import_engine_module

PADDLECLAS_PPLCNET = 'ppcls.arch.backbone.legendary_models.pp_lcnet'
PADDLECLAS_MOBILENET_V3 = 'ppcls.arch.backbone.legendary_models.mobilenet_v3'


@functools.lru_cache(maxsize=None)
def paddleclas_wheel_root() -> str:
    """Put the paddleclas wheel's folder on ``sys.path`` (once) and return it.

    The wheel ships the ``ppcls`` package inside ``paddleclas/`` while ppcls' own modules import
    ``ppcls.*`` by absolute name, so ``ppcls`` is importable only with that folder on the path.
    Cached: with that folder on the path, ``paddleclas`` names the wheel's inner
    ``paddleclas.py`` module, so a second look-up would not find the package.
    """
    spec = importlib.util.find_spec('paddleclas')
    if spec is None or not spec.submodule_search_locations:
        raise EngineNotInstalled('engine paddle: paddleclas is not installed: pip install '
                                 'paddleclas==2.6.0 --no-deps')
    wheel_root = list(spec.submodule_search_locations)[0]
    if wheel_root not in sys.path:
        sys.path.insert(0, wheel_root)
    return wheel_root


def import_paddleclas_pplcnet() -> ModuleType:
    """The authors' ``pp_lcnet.py`` module, imported from the installed paddleclas wheel."""
    import_engine_module('paddle', 'paddle')
    paddleclas_wheel_root()
    return importlib.import_module(PADDLECLAS_PPLCNET)


def set_paddle_bn_statistics(model, calibration: np.ndarray) -> None:
    """Set every BatchNorm statistic of a Paddle model to those of ``calibration`` images (one
    train-mode pass with momentum 0); the model is left in eval mode."""
    paddle = import_engine_module('paddle', 'paddle')
    norms = [m for m in model.sublayers() if isinstance(m, paddle.nn.layer.norm._BatchNormBase)]
    momenta = [m._momentum for m in norms]
    for m in norms:
        m._momentum = 0.0
    model.train()
    try:
        with paddle.no_grad():
            model(paddle.to_tensor(np.ascontiguousarray(calibration, np.float32)))
    finally:
        for m, momentum in zip(norms, momenta):
            m._momentum = momentum
        model.eval()


def import_paddleclas_mobilenet_v3() -> ModuleType:
    """The authors' ``mobilenet_v3.py`` (the paper's MobileNetV3 baselines) from the wheel.

    Its networks call ppcls' deprecated ``init_res``, which warns through ppcls' module logger;
    that logger is set up here (errors only), or building one fails with an AttributeError.
    """
    import_engine_module('paddle', 'paddle')
    paddleclas_wheel_root()
    logger = importlib.import_module('ppcls.utils.logger')
    if logger._logger is None:
        logger.init_logger(log_level=logging.ERROR)
    return importlib.import_module(PADDLECLAS_MOBILENET_V3)


def build_paddle_pplcnet(scale: float = 1.0, calibration: Optional[np.ndarray] = None):
    """PaddleClas' ``PPLCNet`` (random weights) in eval mode; with ``calibration`` images its
    BatchNorm statistics are set to theirs (:func:`set_paddle_bn_statistics`)."""
    model = import_paddleclas_pplcnet().PPLCNet(scale=scale, class_num=1000)
    if calibration is not None:
        set_paddle_bn_statistics(model, calibration)
    model.eval()
    return model


def _check_import_order() -> None:
    """Paddle Inference runs about 100x slower when torch was imported first (their OpenMP
    runtimes clash): refuse to time it then."""
    loaded = list(sys.modules)
    if 'torch' in loaded and loaded.index('torch') < loaded.index('paddle'):
        raise RuntimeError('engine paddle: torch was imported before paddle in this process, '
                           'which makes Paddle Inference about 100x slower (their OpenMP '
                           'runtimes clash): import paddle before torch and pplc_vision')


class PaddleInferenceEngine(InferenceEngine):
    """Paddle Inference on the CPU with oneDNN, over a ``paddle.jit.save``-d Paddle model."""
    name = 'paddle'

    def __init__(self, layer, example_shape: Sequence[int], workdir: str,
                 precision: str = 'fp32', threads: Optional[int] = None,
                 deleted_passes: Sequence[str] = (), input_spec: Optional[list] = None
                 ) -> None:
        """``deleted_passes``: Paddle Inference passes to leave out (``Config.delete_pass``).
        ``input_spec``: what ``paddle.jit.save`` traces ``layer`` with (default: one float32
        input ``x`` shaped ``example_shape``); with several named inputs (e.g. a dict of
        ``InputSpec``), call the engine with a dict of arrays by input name."""
        super().__init__(precision, threads)
        self.deleted_passes = tuple(deleted_passes)
        paddle = import_engine_module(self.name, 'paddle')
        inference = import_engine_module(self.name, 'paddle.inference')
        _check_import_order()
        self.runtime = paddle
        prefix = os.path.join(workdir, 'paddle_model')
        if input_spec is None:
            input_spec = [paddle.static.InputSpec(list(example_shape), 'float32', 'x')]
        paddle.jit.save(layer, prefix, input_spec=input_spec)
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
        for name in self.deleted_passes:
            config.delete_pass(name)
        self.predictor = inference.create_predictor(config)
        self.inputs = {n: self.predictor.get_input_handle(n)
                       for n in self.predictor.get_input_names()}
        self.input = next(iter(self.inputs.values()))
        self.outputs = [self.predictor.get_output_handle(n)
                        for n in self.predictor.get_output_names()]

    def __call__(self, inputs: Union[np.ndarray, Mapping[str, np.ndarray]]
                 ) -> Tuple[np.ndarray, ...]:
        """One run: the array of a one-input model, or every input's array by name."""
        if isinstance(inputs, Mapping):
            if set(inputs) != set(self.inputs):
                raise ValueError(f'engine paddle: the model takes inputs {sorted(self.inputs)}, '
                                 f'got {sorted(inputs)}')
            for name, array in inputs.items():
                self.inputs[name].copy_from_cpu(np.ascontiguousarray(array, np.float32))
        else:
            self.input.copy_from_cpu(np.ascontiguousarray(inputs, np.float32))
        self.predictor.run()
        return tuple(o.copy_to_cpu() for o in self.outputs)

    def info(self) -> Dict[str, Any]:
        return dict(super().info(), paddle=self.runtime.__version__, onednn=True,
                    deleted_passes=list(self.deleted_passes))
