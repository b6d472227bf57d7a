"""A model timed on one engine at one precision, with its output drift against eager fp32."""
import dataclasses
from typing import Any, Callable, Optional

import numpy as np
import torch

from ..deploy.engines import PyTorchEngine, as_tensor_module, build_engine
from .drift import measure_drift, run_batches
from .timing import Contender


def model_contender(model: torch.nn.Module,
                    images: np.ndarray,
                    engine: str = 'pytorch',
                    precision: str = 'fp32',
                    threads: int = 2,
                    calibration: Optional[np.ndarray] = None,
                    fuse: bool = True,
                    batch: int = 1,
                    workdir: Optional[str] = None,
                    labels: Optional[np.ndarray] = None,
                    key: Optional[str] = None,
                    built: Optional[Callable[[np.ndarray], Any]] = None) -> Contender:
    """The network of ``model`` built on one engine, ready for a :func:`~.timing.race` on a
    batch of ``batch`` of ``images`` (preprocessed real images, float32 ``(N, 3, H, W)``); its
    info carries the drift against eager PyTorch fp32 on all ``images`` and, with ``labels``
    (classifiers), the top-1 accuracy of both. ``built``: the engine already built (by
    ``--engine auto``), used instead of building one."""
    torch.set_num_threads(threads)
    network = as_tensor_module(model)
    network.eval()
    run = built or build_engine(network, torch.from_numpy(images[:batch]), engine, precision,
                                threads, workdir=workdir, calibration=calibration, fuse=fuse)
    reference = run_batches(PyTorchEngine(network, 'fp32', fuse=False), images, batch)
    outputs = run_batches(run, images, batch)
    torch.set_num_threads(threads)
    info = run.info() if hasattr(run, 'info') else {}
    if 'precision' not in info:
        raise ValueError('model_contender: the engine does not state its precision; every '
                         'latency figure must carry one')
    info.update(part='network', batch=batch, input_shape=[batch, *images.shape[1:]],
                drift_vs_pytorch_fp32=dataclasses.asdict(measure_drift(reference, outputs)))
    if labels is not None:
        info['top1_accuracy'] = {
            'pytorch_fp32': float((reference[0].argmax(1) == labels).mean()),
            f'{engine}_{precision}': float((outputs[0].argmax(1) == labels).mean())}
    inputs = np.ascontiguousarray(images[:batch])
    return Contender(key or f'{engine}:{precision}', lambda i: run(inputs), info)
