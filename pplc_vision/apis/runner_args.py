"""Command-line arguments of tools/train.py and tools/test.py, and how they change a config.

The same pair of tools serves classification, detection and segmentation: the config's
``default_scope`` says which library runs it, and where they differ (``--show-dir``) the config's
task does it (:func:`pplc_vision.deploy.tasks.task_for`).
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

import torch
from mmengine.config import Config, DictAction

from ..compat import first_line
from ..deploy.tasks import TaskError, task_for
from ..registry import MissingLibraryError, check_config_libraries
from .config_checks import ConfigError, check_override_keys, check_schedules_fit
from .config_params import derived_changes, load_with_parameters, parameter_overrides

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


class ToolError(Exception):
    """A user error in a tool's input: the message is one line naming the problem."""


def _common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='folder for logs and checkpoints '
                        '(default: the config\'s work_dir, else ./work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_epochs=1')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2.0) or --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                        help=argparse.SUPPRESS)


def train_arg_parser() -> argparse.ArgumentParser:
    """Arguments of tools/train.py."""
    parser = argparse.ArgumentParser(description='Train a model with an mmengine Runner.')
    parser.add_argument('config', help='config file (configs/cls, configs/det, configs/seg)')
    parser.add_argument('--resume', nargs='?', const='auto', metavar='CKPT|auto',
                        help='resume from CKPT, or from the latest checkpoint of the work dir '
                        'when no path (or "auto") is given')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision training (needs a CUDA GPU)')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by total batch / auto_scale_lr.base_batch_size')
    _common_args(parser)
    return parser


def test_arg_parser() -> argparse.ArgumentParser:
    """Arguments of tools/test.py."""
    parser = argparse.ArgumentParser(description='Evaluate a checkpoint with an mmengine Runner.')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', metavar='FILE.pkl', help='dump the raw predictions to a pickle')
    parser.add_argument('--show-dir', help='save visualised predictions under this folder '
                        '(relative to the run\'s log folder)')
    parser.add_argument('--allow-empty', action='store_true',
                        help='accept an evaluation without any metric value or a model that '
                        'predicts nothing on the whole test set (an error otherwise)')
    _common_args(parser)
    return parser


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and apply ``--cfg-options``.

    An option on a parameter of the config (a top-level name such as ``data_root`` or
    ``num_classes`` that its files assign) reloads the config with that value, so that every
    value the config derives from it is computed again (:mod:`.config_params`); the tool says
    which keys changed with it. An option whose first part neither the config nor the Runner
    knows (a misspelled key) is an error.
    """
    if not osp.isfile(path):
        raise ToolError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    try:
        check_config_libraries(cfg)
    except MissingLibraryError as e:
        raise ToolError(str(e)) from None
    if not cfg_options:
        return cfg
    params, _ = parameter_overrides(cfg, path, cfg_options)
    if params:
        reloaded = load_with_parameters(path, params)
        changed = derived_changes(cfg, reloaded, params)
        if changed:
            shown = ', '.join(changed[:8]) + (f' (+{len(changed) - 8} more)'
                                             if len(changed) > 8 else '')
            print(f'config {path}: {", ".join(f"{k}={v!r}" for k, v in params.items())} also '
                  f'changed {len(changed)} values derived from it: {shown}')
        cfg = reloaded
    try:
        check_override_keys(cfg, cfg_options)
    except ConfigError as e:
        raise ToolError(f'config {path!r}: {e}') from None
    for key, value in cfg_options.items():
        try:
            cfg.merge_from_dict({key: value})
        except (TypeError, KeyError, ValueError, IndexError) as e:
            raise ToolError(f'config {path!r}: --cfg-options {key}: {first_line(e)}') from None
    return cfg


def _apply_common(cfg: Config, args: argparse.Namespace) -> None:
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        # DDP on CPU: gloo (mmengine defaults to nccl) and no device_ids for CPU modules.
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
        wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
        wrapper['device_ids'] = None
        cfg.model_wrapper_cfg = wrapper
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


def _check_amp(cfg: Config, requested: bool) -> None:
    uses_amp = requested or cfg.get('optim_wrapper', {}).get('type') == 'AmpOptimWrapper'
    if uses_amp and not torch.cuda.is_available():
        raise ToolError('--amp (AmpOptimWrapper) needs a CUDA GPU and none is available here; '
                        'train without --amp on the CPU')


def resume_pointer_target(work_dir: str) -> Optional[str]:
    """The checkpoint ``work_dir/last_checkpoint`` points to (``None`` without the file); an
    empty or dangling pointer is a one-line error."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None  # nothing to resume: mmengine starts from scratch and says so
    with open(pointer) as f:
        target = f.read().strip()
    if not target:
        raise ToolError(f'--resume: {pointer} is empty; give the checkpoint to resume from '
                        f'(--resume {work_dir}/epoch_N.pth) or remove the file')
    if not osp.isfile(target):
        raise ToolError(f'--resume: {pointer} points to {target}, which does not exist; give '
                        f'the checkpoint to resume from (--resume CKPT) or remove the file')
    return target


def apply_train_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply tools/train.py's arguments to ``cfg`` (in place; also returned)."""
    _apply_common(cfg, args)
    _check_amp(cfg, args.amp)
    if args.amp and cfg.optim_wrapper.get('type') != 'AmpOptimWrapper':
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ToolError(f'--auto-scale-lr: config {args.config!r} has no '
                            'auto_scale_lr.base_batch_size')
        cfg.auto_scale_lr.enable = True
    problem = check_schedules_fit(cfg)
    if problem:
        raise ToolError(f'config {args.config!r}: {problem}')
    if args.resume == 'auto':
        # the checkpoint mmengine would find itself, named here so that it is checked like an
        # explicit one (see checkpoint_fit)
        cfg.resume = True
        cfg.load_from = resume_pointer_target(cfg.work_dir)
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise ToolError(f'--resume: checkpoint file {args.resume!r} does not exist')
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def apply_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply tools/test.py's arguments to ``cfg`` (in place; also returned)."""
    _apply_common(cfg, args)
    for key in ('test_dataloader', 'test_evaluator', 'test_cfg'):
        if cfg.get(key) is None:
            raise ToolError(f'config {args.config!r} has no {key}: it cannot be tested')
    if not osp.isfile(args.checkpoint):
        raise ToolError(f'checkpoint file {args.checkpoint!r} does not exist')
    cfg.load_from = args.checkpoint
    if args.out:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ToolError(f'--out must be a .pkl or .pickle file, got {args.out!r}')
        evaluators: List = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
            else [cfg.test_evaluator]
        cfg.test_evaluator = evaluators + [dict(type='DumpResults', out_file_path=args.out)]
    if args.show_dir:
        try:
            task = task_for(cfg)
        except TaskError as e:
            raise ToolError(f'--show-dir: {e}') from None
        if cfg.get('default_hooks', {}).get('visualization') is None:
            raise ToolError(f'--show-dir: config {args.config!r} has no '
                            'default_hooks.visualization to switch on')
        task.enable_show_dir(cfg, args.show_dir)
    return cfg
