"""Command-line arguments of tools/train.py and tools/test.py, and how they change a config.

The same pair of tools serves classification, detection and segmentation: the config's
``default_scope`` says which library runs it.
"""
import argparse
import os
import os.path as osp
import time
from typing import List, Optional

import torch
from mmengine.config import Config, DictAction

from ..registry import MissingLibraryError, check_config_libraries
from .config_checks import check_schedules_fit

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')
# How each task library's test visualisation hook is switched on (as its own tools/test.py does).
SHOW_DIR_HOOK_ARGS = {
    'mmpretrain': lambda show_dir: dict(enable=True, out_dir=show_dir),
    'mmdet': lambda show_dir: dict(draw=True, test_out_dir=show_dir),
    'mmseg': lambda show_dir: dict(draw=True, interval=1),
}


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
    _common_args(parser)
    return parser


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and apply ``--cfg-options``."""
    if not osp.isfile(path):
        raise ToolError(f'config file {path!r} does not exist')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    try:
        check_config_libraries(cfg)
    except MissingLibraryError as e:
        raise ToolError(str(e)) from None
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


def check_resume_pointer(work_dir: str) -> None:
    """An empty or dangling ``last_checkpoint`` in ``work_dir`` is a one-line error."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return  # nothing to resume: mmengine starts from scratch and says so
    with open(pointer) as f:
        target = f.read().strip()
    if not target:
        raise ToolError(f'--resume: {pointer} is empty; give the checkpoint to resume from '
                        f'(--resume {work_dir}/epoch_N.pth) or remove the file')
    if not osp.isfile(target):
        raise ToolError(f'--resume: {pointer} points to {target}, which does not exist; give '
                        f'the checkpoint to resume from (--resume CKPT) or remove the file')


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
        check_resume_pointer(cfg.work_dir)
        cfg.resume = True
        cfg.load_from = None
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
        scope = cfg.get('default_scope')
        hook = cfg.get('default_hooks', {}).get('visualization')
        if scope not in SHOW_DIR_HOOK_ARGS or hook is None:
            raise ToolError(f'--show-dir: config {args.config!r} (default_scope {scope!r}) has '
                            'no default_hooks.visualization to switch on')
        hook.update(SHOW_DIR_HOOK_ARGS[scope](args.show_dir))
        if scope == 'mmseg':
            cfg.visualizer['save_dir'] = args.show_dir
            # mmengine reuses a Visualizer by name within a process; a fresh name makes this
            # run draw into --show-dir even after an earlier run in the same process.
            cfg.visualizer['name'] = f'show_{time.time_ns()}'
    return cfg
