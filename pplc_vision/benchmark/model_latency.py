"""A model timed on one engine at one precision, with its output drift against eager fp32."""
import dataclasses
from typing import Any, Dict, Optional

import numpy as np
import torch

from ..deploy.engines import PyTorchEngine, as_tensor_module, build_engine
from .drift import measure_drift, run_batches
from .timing import time_engine


def benchmark_model(model: torch.nn.Module,
                    images: np.ndarray,
                    engine: str = 'pytorch',
                    precision: str = 'fp32',
                    threads: int = 2,
                    warmup: int = 50,
                    iters: int = 300,
                    calibration: Optional[np.ndarray] = None,
                    fuse: bool = True,
                    batch: int = 1,
                    progress: Optional[bool] = None,
                    workdir: Optional[str] = None,
                    labels: Optional[np.ndarray] = None) -> Dict[str, Any]:
    """Time the network of ``model`` on one engine; its drift against eager PyTorch fp32 on
    ``images`` (preprocessed real images, float32 ``(N, 3, H, W)``) comes with the figure, and
    with ``labels`` (classifiers) the top-1 accuracy of both."""
    torch.set_num_threads(threads)
    network = as_tensor_module(model)
    network.eval()
    run = build_engine(network, torch.from_numpy(images[:batch]), engine, precision, threads,
                       workdir=workdir, calibration=calibration, fuse=fuse)
    reference = run_batches(PyTorchEngine(network, 'fp32', fuse=False), images, batch)
    outputs = run_batches(run, images, batch)
    drift = measure_drift(reference, outputs)
    torch.set_num_threads(threads)
    result = time_engine(run, np.ascontiguousarray(images[:batch]), warmup, iters, progress)
    result.update(part='network', drift_vs_pytorch_fp32=dataclasses.asdict(drift))
    if labels is not None:
        result['top1_accuracy'] = {
            'pytorch_fp32': float((reference[0].argmax(1) == labels).mean()),
            f'{engine}_{precision}': float((outputs[0].argmax(1) == labels).mean())}
    return result
