"""A checkpoint that does not fit the model is an error, not ~300 warnings and random weights.

mmengine's Runner loads ``load_from`` (and ``tools/test.py CKPT``) with ``strict=False``: a
classification checkpoint given to a detector logs size mismatches and the run goes on from
scratch, or tests as mAP 0 with exit 0. The tools check the fit first and stop with one line:
how many keys are missing, unexpected or mis-shaped, the first few, and what the checkpoint's
own metadata says it is. The same holds for ``init_cfg=dict(type='Pretrained', ...)`` of any
sub-module (its ``prefix`` selects the keys). ``partial_load = True`` in the config (or
``--cfg-options partial_load=True``) loads what fits on purpose: a new number of classes, a
backbone-only file. A resumed run (``--resume CKPT`` or ``--resume`` from the work dir's
``last_checkpoint``) is always checked: its optimizer and EMA states only fit the same model.
"""
import re
from typing import Dict, Iterator, Mapping, Optional, Tuple

import torch
from mmengine.model import is_model_wrapper
from torch import nn

from ..compat import safe_torch_load
from .checkpoint import state_dict_mismatch

PARTIAL_LOAD_KEY = 'partial_load'


class CheckpointMismatchError(ValueError):
    """The checkpoint's weights do not fit the model; the message is one line."""


def describe_checkpoint(checkpoint: Mapping) -> str:
    """What a checkpoint's metadata says it is, in a few words (its config is never run)."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, Mapping) else None
    if not isinstance(meta, Mapping):
        return 'it has no metadata'
    parts = []
    if meta.get('converted_from'):
        parts.append(f'converted from {meta["converted_from"]} ({meta.get("source", "?")})')
    cfg_text = meta.get('cfg')
    if isinstance(cfg_text, str):
        model_part = cfg_text[cfg_text.find('model = dict('):] if 'model = dict(' in cfg_text \
            else cfg_text
        types = re.findall(r"type='([\w.]+)'", model_part)[:3]
        if types:
            parts.append('model ' + ' / '.join(types))
    if meta.get('experiment_name'):
        parts.append(f'run {meta["experiment_name"]}')
    return 'its metadata says: ' + ', '.join(parts) if parts else 'its metadata names no model'


def _fitting_state(model: nn.Module, path: str, config_name: str, prefix: str = '',
                   resuming: bool = False) -> Dict[str, torch.Tensor]:
    """``path``'s weights under ``prefix`` (stripped), checked to fit ``model`` exactly."""
    model = model.module if is_model_wrapper(model) else model
    checkpoint = safe_torch_load(path, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, Mapping) else None
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor)
                                                 for v in state.values()):
        raise CheckpointMismatchError(f'checkpoint {path!r} holds no state dict of tensors')
    state = {k[7:] if k.startswith('module.') else k: v for k, v in state.items()}
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'  # as mmengine reads it
        state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    problems = state_dict_mismatch(state, model)
    if problems:
        what = f'checkpoint {path!r}' + (f' (keys under {prefix!r})' if prefix else '')
        remedy = ('A run resumes only with the model that wrote the checkpoint; to start a new '
                  f'run from its weights instead, give --cfg-options load_from={path} '
                  f'{PARTIAL_LOAD_KEY}=True without --resume') if resuming else \
            f'To load only what fits on purpose, add --cfg-options {PARTIAL_LOAD_KEY}=True'
        raise CheckpointMismatchError(
            f'{what} does not fit config {config_name!r}: ' + '; '.join(problems) +
            f'; {describe_checkpoint(checkpoint)}. {remedy}')
    return state


def check_checkpoint_fits(model: nn.Module, path: str, config_name: str,
                          prefix: str = '', resuming: bool = False) -> None:
    """Raise :class:`CheckpointMismatchError` when ``path``'s weights (those under ``prefix``,
    stripped of it, as ``init_cfg=Pretrained`` reads them) do not fit ``model``; ``resuming``
    says how to start a new run from them instead."""
    _fitting_state(model, path, config_name, prefix, resuming)


def load_checkpoint_strict(model: nn.Module, path: str, config_name: str) -> None:
    """Load ``path`` into ``model`` after checking that every key and shape fits (one-line
    :class:`CheckpointMismatchError` otherwise); the file is read once, with the allowlist."""
    state = _fitting_state(model, path, config_name)
    target = model.module if is_model_wrapper(model) else model
    target.load_state_dict(state, strict=True)


def pretrained_inits(model: nn.Module, cfg) -> Iterator[Tuple[nn.Module, Optional[str], str]]:
    """``(sub-module, checkpoint, prefix)`` of every ``init_cfg=dict(type='Pretrained')`` of the
    built model, unless the config allows partial loads."""
    if cfg.get(PARTIAL_LOAD_KEY, False):
        return
    model = model.module if is_model_wrapper(model) else model
    for module in model.modules():
        init_cfgs = getattr(module, 'init_cfg', None)
        for init_cfg in init_cfgs if isinstance(init_cfgs, list) else [init_cfgs]:
            if isinstance(init_cfg, Mapping) and init_cfg.get('type') == 'Pretrained' \
                    and init_cfg.get('checkpoint'):
                yield module, init_cfg['checkpoint'], init_cfg.get('prefix', '') or ''


def checkpoint_to_check(cfg) -> Optional[str]:
    """The checkpoint a run will load into its model, unless the config allows partial loads
    and the run does not resume (a resumed run needs the same model)."""
    if cfg.get(PARTIAL_LOAD_KEY, False) and not cfg.get('resume'):
        return None
    return cfg.get('load_from') or None
