"""Paddle Inference (CPU, oneDNN) as an engine: the reference of the paper comparison.

The networks it runs are the authors' own (:mod:`pplc_vision.references`). paddlepaddle is
optional: it is imported only when a Paddle engine is built, with a one-line error naming the
pip package.
"""
import os
import sys
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .base import InferenceEngine, import_engine_module


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
