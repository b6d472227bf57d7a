"""End-to-end timing of detectors and segmenters: the deployed module with decoding and NMS (or
logits resizing) on an engine (the task's :meth:`~pplc_vision.deploy.tasks.Task.end_to_end_module`)
and the eager OpenMMLab pipeline from image to result."""
from typing import Any, Callable

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from ..deploy.engines import build_engine
from ..deploy.fuse import deploy_model
from ..deploy.tasks import Task
from .timing import Contender


def deployed_end_to_end_contender(model: torch.nn.Module, task: Task, images: np.ndarray,
                                  engine: str, precision: str, threads: int,
                                  fuse: bool = True) -> Contender:
    """``task``'s end-to-end module of ``model`` built on ``engine``, ready for a race on
    ``images``: resized, unnormalised BGR 0..255 images (batch 1 for detectors: NMS is in the
    graph)."""
    if precision == 'int8':
        raise ValueError('end-to-end int8 is not supported: time the network alone '
                         '(--network-only) or use fp32/bf16')
    module = task.end_to_end_module(model)
    if module is None:
        raise ValueError(f'{task.name}: no end-to-end module beyond the network')
    run = build_engine(module, torch.from_numpy(images), engine, precision, threads, fuse=fuse)
    info = dict(run.info(), part='end_to_end', batch=int(images.shape[0]),
                input_shape=list(images.shape), includes=task.end_to_end_includes)
    return Contender(f'{engine}:{precision}:end_to_end', lambda i: run(images), info)


def end_to_end_step(model: torch.nn.Module, task: Task, image: np.ndarray) -> Callable[[], Any]:
    """One end-to-end inference of an OpenMMLab detector or segmenter on an RGB ``image``:
    the config's test pipeline (resize, packing), then ``test_step`` (normalisation, network,
    NMS or resizing of the logits to the image)."""
    steps = [dict(type='LoadImageFromNDArray')] + task.inference_pipeline()
    with DefaultScope.overwrite_default_scope(task.scope):
        compose = Compose(steps)
    bgr = np.ascontiguousarray(image[:, :, ::-1])  # OpenMMLab pipelines take BGR like cv2

    def step():
        data = pseudo_collate([compose(dict(img=bgr.copy()))])
        with torch.no_grad():
            return model.test_step(data)

    return step


def pipeline_contender(model: torch.nn.Module, task: Task, image: np.ndarray, threads: int,
                       fuse: bool = True) -> Contender:
    """:func:`end_to_end_step` in eager PyTorch fp32 (when ``fuse``: re-parameterised and BN
    folded; the Python pipeline around the network is not traceable, so it stays eager)."""
    deployed, _, folded = deploy_model(model) if fuse else (model, 0, 0)
    deployed.eval()
    torch.set_num_threads(threads)
    step = end_to_end_step(deployed, task, image)
    info = dict(part='pipeline', engine='pytorch', precision='fp32', threads=threads,
                includes='test pipeline (image resize) + normalisation + network + '
                'NMS or logits resize, eager',
                fused=fuse, folded_batchnorms=folded, batch=1, image_shape=list(image.shape))

    def run(_: int) -> Any:
        torch.set_num_threads(threads)
        return step()

    return Contender('pytorch:fp32:pipeline', run, info)
