"""The config a whole-model checkpoint is converted for: the model it builds and the dataset
classes the OpenMMLab inferencers read from a checkpoint's ``meta``."""
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.registry import DefaultScope, Registry
from torch import nn

from ..apis.model_builder import build_model_from_config
from .checkpoint import ConversionError


def load_target_config(config: str, head_attr: str, head_types: Sequence[str]
                       ) -> Tuple[Config, nn.Module]:
    """``config`` and the model it builds, whose ``head_attr`` must be one of ``head_types``."""
    if not osp.isfile(config):
        raise ConversionError(f'config {config}: no such file')
    cfg = Config.fromfile(config)
    model = build_model_from_config(cfg)
    head = type(getattr(model, head_attr, None)).__name__
    if head not in head_types:
        raise ConversionError(f'config {config} builds a {type(model).__name__} with '
                              f'{head_attr} {head}, not {" or ".join(head_types)} (what this '
                              'checkpoint converts to)')
    return cfg, model


def dataset_meta(cfg: Config, datasets: Registry, scope: str) -> Optional[dict]:
    """Classes and palette of the config's test dataset (what the OpenMMLab inferencers read
    from a checkpoint's ``meta``), or None when the config names no registered dataset."""
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    with DefaultScope.overwrite_default_scope(scope):
        dataset_cls = datasets.get(dataset.get('type', '')) if dataset.get('type') else None
    if dataset_cls is None:
        return None
    metainfo = dict(getattr(dataset_cls, 'METAINFO', {}), **(dataset.get('metainfo') or {}))
    if not metainfo.get('classes'):
        return None
    return dict(classes=list(metainfo['classes']),
                palette=[list(c) for c in metainfo.get('palette', [])])
