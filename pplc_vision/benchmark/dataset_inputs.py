"""Network inputs from a config's own datasets: int8 calibration and drift on the user's data.

The scikit-image photos are a stand-in; a network trained on other images (grey clothes, street
scenes) is calibrated and checked best on its own data. :func:`config_dataset_inputs` reads a
config's train or test dataset through the config's *test* pipeline (deterministic: no random
crops or flips) and the model's data preprocessor, exactly as ``tools/test.py`` feeds the network.
"""
import copy
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DATASETS, init_default_scope

SPLITS = {'train': 'train_dataloader', 'test': 'test_dataloader'}


def _test_pipeline(cfg) -> list:
    pipeline = cfg.get('test_pipeline') or cfg.get('test_dataloader', {}).get(
        'dataset', {}).get('pipeline')
    if not pipeline:
        raise KeyError(f'config {cfg.filename}: no test_pipeline (nor test_dataloader.dataset.'
                       f'pipeline) to read its dataset with')
    return copy.deepcopy(pipeline)


def config_dataset_inputs(cfg, model: torch.nn.Module, split: str, count: int,
                          shape: Sequence[int], chunk: int = 256
                          ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Up to ``count`` samples of the config's ``split`` ('train' or 'test') dataset, spread
    evenly over it (folder datasets are sorted by class), as float32 ``(N, 3, H, W)`` network
    inputs, with their labels for classification datasets (else ``None``).

    ``shape`` is the expected ``(H, W)``: a pipeline that gives another size is an error.
    """
    if split not in SPLITS:
        raise ValueError(f'config_dataset_inputs: split must be one of {tuple(SPLITS)}, '
                         f'got {split!r}')
    if count < 1:
        raise ValueError(f'config_dataset_inputs: count must be >= 1, got {count}')
    loader = cfg.get(SPLITS[split])
    if not loader or 'dataset' not in loader:
        raise KeyError(f'config {cfg.filename}: no {SPLITS[split]}.dataset to take '
                       f'{split} images from')
    dataset_cfg = copy.deepcopy(loader['dataset'])
    dataset_cfg['pipeline'] = _test_pipeline(cfg)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) == 0:
        raise ValueError(f'config {cfg.filename}: the {split} dataset is empty')
    indices = np.unique(np.linspace(0, len(dataset) - 1, min(count, len(dataset))).astype(int))
    inputs, labels = [], []
    preprocessor = model.data_preprocessor
    for start in range(0, len(indices), chunk):
        batch = pseudo_collate([dataset[int(i)] for i in indices[start:start + chunk]])
        with torch.no_grad():
            data = preprocessor(batch, False)
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
