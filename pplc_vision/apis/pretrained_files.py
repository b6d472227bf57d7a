"""A pretrained-weights file that a config needs but is missing stops training at once.

Configs that start from converted weights by default (the Table 5 segmenters load ImageNet
backbones, as PaddleSeg trains them) name the file in ``init_cfg=dict(type='Pretrained',
checkpoint=...)``. Next to the top-level variable that holds the path they keep the command that
makes the file, under the same name plus ``_command``::

    pretrained = 'checkpoints/pplcnet_1x_in1k_backbone.pth'
    pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                          f'PPLCNet_x1_0_pretrained.pdparams {pretrained} --backbone-only')

tools/train.py checks every such local file before it builds anything or reads any data; a
missing one ends it with one line: the file, that command, and the ``--cfg-options`` that trains
from scratch instead (``<where>.init_cfg=None``: the layers' own initialisation).
"""
import os.path as osp
from typing import Any, Iterator, Mapping, Optional, Tuple

COMMAND_SUFFIX = '_command'


def pretrained_init_cfgs(node: Any, where: str = 'model') -> Iterator[Tuple[str, str]]:
    """``(dotted key of the init_cfg, checkpoint)`` of every ``init_cfg`` under ``node`` (a model
    config) that is, or lists, a ``dict(type='Pretrained', checkpoint=...)``."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == 'init_cfg':
                for init in value if isinstance(value, (list, tuple)) else [value]:
                    if isinstance(init, Mapping) and init.get('type') == 'Pretrained' \
                            and init.get('checkpoint'):
                        yield f'{where}.init_cfg', str(init['checkpoint'])
            else:
                yield from pretrained_init_cfgs(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from pretrained_init_cfgs(item, f'{where}.{i}')


def command_that_makes(cfg: Mapping, checkpoint: str) -> Optional[str]:
    """The config's ``<key>_command`` for the top-level ``<key>`` equal to ``checkpoint`` (only
    if the command names that file: an inherited command may be for another one)."""
    for key, value in cfg.items():
        command = cfg.get(key + COMMAND_SUFFIX)
        if value == checkpoint and isinstance(command, str) and checkpoint in command:
            return command
    return None


def missing_pretrained_message(cfg: Mapping, config_path: str) -> Optional[str]:
    """One line about the first local ``Pretrained`` checkpoint of ``cfg.model`` that does not
    exist (remote ones, ``scheme://...``, are mmengine's to fetch); ``None`` when all exist."""
    for where, checkpoint in pretrained_init_cfgs(cfg.get('model')):
        if '://' in checkpoint or osp.isfile(checkpoint):
            continue
        command = command_that_makes(cfg, checkpoint)
        how = f'Make it with `{command}`' if command else \
            'Make it first (tools/model_converters/ converts Paddle and timm weights)'
        relative = '' if osp.isabs(checkpoint) else f', relative to {osp.abspath(".")!r}'
        return (f'config {config_path!r} starts from pretrained weights that are missing: '
                f'{checkpoint!r} ({where}{relative}). {how}, or train from scratch with '
                f'--cfg-options {where}=None')
    return None
