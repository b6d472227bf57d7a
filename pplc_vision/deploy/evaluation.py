"""An exported model evaluated as ``tools/test.py`` evaluates a checkpoint: the config's own test
dataloader and evaluator (COCO mAP, mIoU, top-1), with the graph on an engine in place of the
PyTorch model (``tools/deployment/test.py``, as mmdeploy's test tool).

Each test image goes through the test pipeline (loaders included), then the predictor's graph
and the task's post-processing (:meth:`~pplc_vision.deploy.predictor.Predictor.predict_packed`),
which set the data sample's predictions as ``test_step`` sets them; the evaluator's metrics read
them. An fp32 file run at ``int8`` is quantised first (NNCF, :func:`~.int8.quantize_int8`),
calibrated on ``calib_images`` of the config's train set, so the metric shows what int8 costs.
"""
import os
import tempfile
from typing import Callable, Dict, Optional

import numpy as np
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from .dataset_inputs import dataset_samples
from .int8 import quantize_int8
from .predictor import Predictor


def quantized_copy(predictor: Predictor, out_dir: str, engine: str, calib_images: int) -> str:
    """``predictor``'s fp32 file quantised to int8 for ``engine`` (OpenVINO IR or QDQ ONNX) in
    ``out_dir``, calibrated on the config's train images through its test pipeline."""
    samples = dataset_samples(predictor.cfg, 'train', calib_images)
    inputs = [predictor.network_input(s['inputs'], 'calibration') for s in samples]
    # a keep-ratio resize gives images of several sizes (a graph of dynamic size)
    calibration = (np.concatenate(inputs) if len({x.shape for x in inputs}) == 1 else inputs)
    ext = '.xml' if engine == 'openvino' else '.onnx'
    return quantize_int8(predictor.model_path, os.path.join(out_dir, 'model_int8' + ext),
                         calibration)


def evaluate_exported(cfg: Config, model_path: str, engine: str = 'openvino',
                      precision: str = 'fp32', threads: Optional[int] = None,
                      calib_images: int = 32,
                      log: Callable[[str], None] = print) -> Dict[str, float]:
    """The metrics of ``cfg``'s test evaluator on its test dataloader for the exported model
    ``model_path`` on ``engine`` at ``precision``."""
    with tempfile.TemporaryDirectory(prefix='pplc_test_') as tmp:
        predictor = Predictor(cfg, model_path, engine,
                              'fp32' if precision == 'int8' else precision, threads)
        if precision == 'int8' and predictor.contract is not None and \
                predictor.contract.precision != 'int8':
            log(f'quantising {model_path} to int8 ({engine}) on {calib_images} train images')
            path = quantized_copy(predictor, tmp, engine, calib_images)
            predictor = Predictor(cfg, path, engine, 'int8', threads)
        elif precision == 'int8':
            predictor = Predictor(cfg, model_path, engine, 'int8', threads)
        with DefaultScope.overwrite_default_scope(predictor.task.scope):
            loader = Runner.build_dataloader(cfg.test_dataloader)
            evaluator = Evaluator(cfg.test_evaluator)
        evaluator.dataset_meta = loader.dataset.metainfo
        for batch in loader:
            samples = [predictor.predict_packed(inputs, sample, sample.get('img_path', ''))
                       .sample for inputs, sample in zip(batch['inputs'], batch['data_samples'])]
            evaluator.process(data_samples=samples, data_batch=batch)
        return evaluator.evaluate(len(loader.dataset))
