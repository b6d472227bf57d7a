"""The authors' classifiers: PaddleClas' ``PPLCNet`` and ``MobileNetV3`` (the paper's baselines),
imported from the installed paddleclas wheel as test and benchmark references.

paddlepaddle and paddleclas are optional: they are imported here only, with a one-line error
naming the pip packages.
"""
import functools
import importlib
import importlib.util
import logging
import sys
from types import ModuleType
from typing import Optional

import numpy as np

from ..deploy.engines.base import EngineNotInstalled, import_engine_module

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
