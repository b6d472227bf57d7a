"""Train and test runs behind tools/train.py and tools/test.py (mmengine ``Runner.from_cfg``).

What the tools set up for their own run, without changing mmengine for other code:

- a plain ``CheckpointHook`` in the config becomes :class:`AtomicCheckpointHook` (same
  arguments), so a kill or a full disk never leaves the run without a checkpoint;
- ``--launcher pytorch`` on a machine without CUDA starts the gloo process group itself before
  the Runner would (mmengine 0.10.7's launcher always calls ``torch.cuda.set_device``), and a
  config's ``sync_bn`` becomes :class:`CPUSyncBatchNorm` (torch's ``SyncBatchNorm`` is GPU-only),
  so N processes train the model that one process trains with the same total batch;
- a checkpoint that is refused, unreadable, does not fit the model (unless the config says
  ``partial_load = True``) or cannot be written ends the tool with one line;
- a missing ``init_cfg=Pretrained`` file ends training at once with the command that makes it
  and the ``--cfg-options`` that trains from scratch (:mod:`.pretrained_files`).
"""
import contextlib
import datetime
from typing import Dict, Iterator, Optional, Sequence

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from ..compat import CheckpointLoadError
from ..engine import CheckpointSaveError, convert_to_cpu_sync_bn
from ..converters.checkpoint_fit import (CheckpointMismatchError, check_checkpoint_fits,
                                         checkpoint_to_check, pretrained_inits)
from .config_checks import unknown_argument_message
from .pretrained_files import missing_pretrained_message
from .runner_args import (ToolError, apply_test_args, apply_train_args, load_config,
                          test_arg_parser, train_arg_parser)

# Errors that reach the user as one line (the message names the file) rather than a traceback.
ONE_LINE_ERRORS = (CheckpointLoadError, CheckpointSaveError, CheckpointMismatchError)


def use_atomic_checkpoints(cfg: Config) -> None:
    """Swap a plain ``CheckpointHook`` in ``cfg.default_hooks`` for ``AtomicCheckpointHook``."""
    hook = cfg.get('default_hooks', {}).get('checkpoint')
    if hook is not None and hook.get('type') in ('CheckpointHook', 'mmengine.CheckpointHook'):
        hook['type'] = 'AtomicCheckpointHook'


def init_cpu_distributed(cfg: Config) -> None:
    """Start the gloo process group for ``--launcher pytorch`` when there is no CUDA."""
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available() \
            or torch_dist.is_initialized():
        return
    dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    backend = dist_cfg.pop('backend', 'gloo')
    timeout = dist_cfg.pop('timeout', None)
    if timeout is not None:
        dist_cfg['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(backend='gloo' if backend == 'nccl' else backend, **dist_cfg)


def _build_runner(cfg: Config, config_path: str, training: bool) -> Runner:
    """The Runner of ``cfg``, after checking that every checkpoint it will load fits."""
    init_cpu_distributed(cfg)
    cpu_sync_bn = torch_dist.is_initialized() and not torch.cuda.is_available() \
        and cfg.get('sync_bn') is not None
    if cpu_sync_bn:
        cfg.sync_bn = None  # mmengine would convert to torch's GPU-only SyncBatchNorm
    runner = Runner.from_cfg(cfg)
    if cpu_sync_bn:
        converted = convert_to_cpu_sync_bn(runner.model)
        runner.logger.info(f'sync_bn on CPU: {converted} BatchNorm layers synchronised over '
                           f'{torch_dist.get_world_size()} processes (CPUSyncBatchNorm)')
    checks = [(runner.model, checkpoint_to_check(cfg), '')]
    if training:  # init_cfg=Pretrained weights are loaded by init_weights() at train time
        checks += [(module, path, prefix) for module, path, prefix in
                   pretrained_inits(runner.model, cfg)]
    for module, path, prefix in checks:
        if path is None:
            continue
        try:
            check_checkpoint_fits(module, path, config_path, prefix=prefix)
        except FileNotFoundError as e:
            raise ToolError(str(e)) from None
    return runner


@contextlib.contextmanager
def one_line_errors(config_path: str) -> Iterator[None]:
    """Turn the known user errors of a run into :class:`ToolError` (one line)."""
    try:
        yield
    except ONE_LINE_ERRORS as e:
        raise ToolError(str(e)) from None
    except TypeError as e:
        message = unknown_argument_message(e)
        if message is None:
            raise
        raise ToolError(f'config {config_path!r}: {message}') from None


def run_train(argv: Optional[Sequence[str]] = None) -> Runner:
    """Parse tools/train.py's arguments, then train; returns the finished Runner."""
    args = train_arg_parser().parse_args(argv)
    cfg = apply_train_args(load_config(args.config, args.cfg_options), args)
    missing = missing_pretrained_message(cfg, args.config)  # before any build or data loading
    if missing:
        raise ToolError(missing)
    use_atomic_checkpoints(cfg)
    with one_line_errors(args.config):
        runner = _build_runner(cfg, args.config, training=True)
        runner.train()
    return runner


def run_test(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Parse tools/test.py's arguments, then evaluate the checkpoint; returns the metrics."""
    args = test_arg_parser().parse_args(argv)
    cfg = apply_test_args(load_config(args.config, args.cfg_options), args)
    with one_line_errors(args.config):
        runner = _build_runner(cfg, args.config, training=False)
        metrics = runner.test()
    if is_main_process():
        print('test metrics: ' + ', '.join(f'{k}={v:.4f}' if isinstance(v, float) else f'{k}={v}'
                                           for k, v in metrics.items()))
    return metrics
