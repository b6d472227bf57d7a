"""The class names of a config's test set, without building the dataset (its images may be
absent where a model is deployed)."""
import json
import os
from typing import List, Optional

from mmengine.config import Config
from mmengine.registry import DATASETS, DefaultScope

from ..datasets.coco_categories import file_classes


def unwrapped_dataset_cfg(dataset: dict) -> dict:
    """The dataset inside ``dataset``'s wrappers (``RepeatDataset`` and the like; the first of
    a ``ConcatDataset``'s ``datasets``), as mmdet's ``get_test_pipeline_cfg`` looks through them."""
    while 'pipeline' not in dataset and ('dataset' in dataset or dataset.get('datasets')):
        dataset = dataset['dataset'] if 'dataset' in dataset else dataset['datasets'][0]
    return dataset


def test_dataset_cfg(cfg: Config) -> dict:
    """The test dataloader's dataset config, dataset wrappers looked through."""
    return unwrapped_dataset_cfg((cfg.get('test_dataloader') or {}).get('dataset') or {})


def _existing(path: str, data_root: str) -> Optional[str]:
    for candidate in (path, os.path.join(data_root, path)):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def _from_config(dataset: dict) -> Optional[List[str]]:
    """Names in ``metainfo.classes`` (a list, or a text file of one name a line), else the
    categories of a COCO annotation file when it is there."""
    root = dataset.get('data_root', '') or ''
    classes = (dataset.get('metainfo') or {}).get('classes')
    if isinstance(classes, (list, tuple)):
        return [str(c) for c in classes]
    if isinstance(classes, str):
        path = _existing(classes, root)
        if path:
            with open(path) as f:
                return [line.strip() for line in f if line.strip()]
    ann = dataset.get('ann_file')
    if isinstance(ann, str) and ann.endswith('.json'):
        path = _existing(ann, root)
        if path:
            with open(path) as f:
                return file_classes(json.load(f).get('categories', []))
    return None


def _from_dataset_class(dataset: dict, scope: str) -> Optional[List[str]]:
    """The dataset class's own ``METAINFO`` classes (COCO's 80, Cityscapes' 19)."""
    with DefaultScope.overwrite_default_scope(scope):
        cls = DATASETS.get(dataset.get('type', ''))
    classes = getattr(cls, 'METAINFO', {}).get('classes') if cls is not None else None
    return list(classes) if classes else None


def config_class_names(cfg: Config, num_classes: int) -> List[str]:
    """``num_classes`` names for ``cfg``'s model: the test set's, else ``class0, class1, ...``."""
    dataset = test_dataset_cfg(cfg)
    for names in (_from_config(dataset), _from_dataset_class(dataset, cfg.default_scope)):
        if names is not None and len(names) == num_classes:
            return names
    return [f'class{i}' for i in range(num_classes)]


def config_palette(cfg: Config, num_classes: int) -> Optional[list]:
    """The test dataset class's palette when it has one colour per class."""
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        cls = DATASETS.get(test_dataset_cfg(cfg).get('type', ''))
    palette = getattr(cls, 'METAINFO', {}).get('palette') if cls is not None else None
    return list(palette) if palette and len(palette) == num_classes else None
