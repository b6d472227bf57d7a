"""A config's own datasets read through its test pipeline: int8 calibration and drift on the
user's data.

The scikit-image photos are a stand-in; a network trained on other images (grey clothes, street
scenes) is calibrated and checked best on its own data. :func:`dataset_samples` reads a config's
train or test dataset through the config's *test* pipeline (deterministic: no random crops or
flips, :meth:`~pplc_vision.deploy.tasks.Task.test_pipeline`), as ``tools/test.py`` feeds the
model; :func:`config_dataset_inputs` turns them into network inputs with the model's data
preprocessor.
"""
import copy
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, DefaultScope

from .class_names import unwrapped_dataset_cfg
from .tasks import task_for

SPLITS = {'train': 'train_dataloader', 'test': 'test_dataloader'}


def dataset_samples(cfg, split: str, count: int) -> List[dict]:
    """Up to ``count`` packed samples (``inputs`` ``(3, H, W)`` BGR 0..255, ``data_samples``)
    of the config's ``split`` ('train' or 'test') dataset through its test pipeline, spread
    evenly over the dataset (folder datasets are sorted by class)."""
    if split not in SPLITS:
        raise ValueError(f'dataset_samples: split must be one of {tuple(SPLITS)}, got {split!r}')
    if count < 1:
        raise ValueError(f'dataset_samples: count must be >= 1, got {count}')
    loader = cfg.get(SPLITS[split])
    if not loader or 'dataset' not in loader:
        raise KeyError(f'config {cfg.filename}: no {SPLITS[split]}.dataset to take '
                       f'{split} images from')
    task = task_for(cfg)
    # the wrapped dataset: a wrapper (the detection demo's RepeatDataset) takes no pipeline
    dataset_cfg = copy.deepcopy(unwrapped_dataset_cfg(loader['dataset']))
    dataset_cfg['pipeline'] = task.test_pipeline()
    with DefaultScope.overwrite_default_scope(task.scope):
        dataset = DATASETS.build(dataset_cfg)
    if len(dataset) == 0:
        raise ValueError(f'config {cfg.filename}: the {split} dataset is empty')
    indices = np.unique(np.linspace(0, len(dataset) - 1, min(count, len(dataset))).astype(int))
    return [dataset[int(i)] for i in indices]


def config_dataset_inputs(cfg, model: torch.nn.Module, split: str, count: int,
                          shape: Sequence[int], chunk: int = 256
                          ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """:func:`dataset_samples` as float32 ``(N, 3, H, W)`` network inputs (the model's data
    preprocessor applied), with their labels for classification datasets (else ``None``).

    ``shape`` is the expected ``(H, W)``: a pipeline that gives another size is an error.
    """
    samples = dataset_samples(cfg, split, count)
    inputs, labels = [], []
    for start in range(0, len(samples), chunk):
        with torch.no_grad():
            data = model.data_preprocessor(pseudo_collate(samples[start:start + chunk]), False)
        x = data['inputs']
        if tuple(x.shape[2:]) != tuple(int(s) for s in shape):
            raise ValueError(f'config {cfg.filename}: its test pipeline gives {split} images of '
                             f'{tuple(x.shape[2:])} (H, W), but --shape is {tuple(shape)}')
        inputs.append(x.float().numpy())
        for sample in data.get('data_samples') or []:
            gt = getattr(sample, 'gt_label', None)
            labels.append(int(gt.item()) if gt is not None and gt.numel() == 1 else -1)
    label_array = np.asarray(labels, np.int64) if labels and min(labels) >= 0 else None
    return np.ascontiguousarray(np.concatenate(inputs)), label_array
