"""The config a whole-model checkpoint is converted for: the model it builds and the dataset
classes the OpenMMLab inferencers read from a checkpoint's ``meta``."""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.registry import DefaultScope, Registry
from torch import nn

from ..registry import build_model_from_config
from .checkpoint import ConversionError, StateDict, _short, state_dict_mismatch


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


def checkpoint_for_config(state_dict: StateDict, model: nn.Module, cfg: Config, src: str,
                          config: str, description: str, converted_from: str,
                          datasets: Registry, scope: str, dropped: List[str],
                          dropped_what: str) -> Tuple[dict, str]:
    """``state_dict`` checked key by key and shape by shape against ``config``'s ``model``,
    as an mmengine checkpoint (``state_dict`` + ``meta`` with the dataset classes) and a
    one-line summary; :class:`ConversionError` when it does not fit exactly."""
    problems = state_dict_mismatch(state_dict, model)
    if problems:
        raise ConversionError(f'{src} does not fit config {config} ({description}): '
                              + '; '.join(problems))
    meta = dict(converted_from=converted_from, source=src, config=config, model=description,
                dropped=dropped)
    classes = dataset_meta(cfg, datasets, scope)
    if classes is not None:
        meta['dataset_meta'] = classes
    summary = (f'{description}, {len(state_dict)} tensors' +
               (f', dropped {len(dropped)} {dropped_what} tensors ({_short(dropped, 2)})'
                if dropped else ''))
    return dict(meta=meta, state_dict=state_dict), summary
