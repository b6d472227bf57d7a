"""Train and test runs behind tools/train.py and tools/test.py (mmengine ``Runner.from_cfg``).

What the tools set up for their own run, without changing mmengine for other code:

- the whole config is checked before anything is built (:mod:`.config_checks`): a misspelled
  type or argument of any component ends the tool with one line naming the config key;
- a plain ``CheckpointHook`` in the config becomes :class:`AtomicCheckpointHook` (same
  arguments), so a kill or a full disk never leaves the run without a checkpoint;
- ``--launcher pytorch`` on a machine without CUDA starts the gloo process group itself before
  the Runner would (mmengine 0.10.7's launcher always calls ``torch.cuda.set_device``), and a
  config's ``sync_bn`` becomes :class:`CPUSyncBatchNorm` (torch's ``SyncBatchNorm`` is GPU-only),
  so N processes train the model that one process trains with the same total batch;
- a checkpoint that is refused, damaged, unreadable, does not fit the model (unless the config
  says ``partial_load = True``; never when resuming) or cannot be written, damaged data
  (:class:`~pplc_vision.datasets.errors.DataError`), a work dir that cannot be written and a
  component that refuses its config values end the tool with one line;
- a missing ``init_cfg=Pretrained`` file ends training at once with the command that makes it
  and the ``--cfg-options`` that trains from scratch (:mod:`.pretrained_files`);
- a test whose evaluation yields no metric value, or whose model predicts nothing on any test
  image, is an error unless ``--allow-empty`` is given.
"""
import contextlib
import datetime
import json
import os
import sys
import time
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.runner import Runner

from ..compat import CheckpointLoadError
from ..converters.checkpoint_fit import (CheckpointMismatchError, check_checkpoint_fits,
                                         checkpoint_to_check, pretrained_inits)
from ..datasets.errors import DataError, data_error_message
from ..engine import CheckpointSaveError, PredictionCountHook, convert_to_cpu_sync_bn
from .component_errors import component_build_message
from .config_checks import ConfigError, check_config
from .pretrained_files import missing_pretrained_message
from .runner_args import (ToolError, apply_test_args, apply_train_args, load_config,
                          test_arg_parser, train_arg_parser)

# Errors that reach the user as one line (the message names the file) rather than a traceback.
ONE_LINE_ERRORS = (CheckpointLoadError, CheckpointSaveError, CheckpointMismatchError, DataError)
# Set by torchrun (torch.distributed.elastic) for each worker process: where its error goes.
ELASTIC_ERROR_FILE = 'TORCHELASTIC_ERROR_FILE'


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


def _new_runner(cfg: Config) -> Runner:
    """``Runner.from_cfg``; a work dir that cannot be written (full disk, read-only, no
    permission) is one line."""
    try:
        return Runner.from_cfg(cfg)
    except DataError:
        raise
    except OSError as e:
        where = e.filename or cfg.work_dir
        raise ToolError(f'cannot write to the work dir {cfg.work_dir!r} ({where}): '
                        f'{e.strerror or e}') from None


def _build_runner(cfg: Config, config_path: str, training: bool) -> Runner:
    """The Runner of ``cfg``, after checking that every checkpoint it will load fits."""
    init_cpu_distributed(cfg)
    cpu_sync_bn = torch_dist.is_initialized() and not torch.cuda.is_available() \
        and cfg.get('sync_bn') is not None
    if cpu_sync_bn:
        cfg.sync_bn = None  # mmengine would convert to torch's GPU-only SyncBatchNorm
    runner = _new_runner(cfg)
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
            check_checkpoint_fits(module, path, config_path, prefix=prefix,
                                  resuming=bool(cfg.get('resume')) and not prefix)
        except FileNotFoundError as e:
            raise ToolError(str(e)) from None
    return runner


@contextlib.contextmanager
def one_line_errors(cfg: Config, config_path: str) -> Iterator[None]:
    """Turn the known user errors of a run into :class:`ToolError` (one line)."""
    try:
        yield
    except DataError as e:
        raise ToolError(data_error_message(e)) from None
    except ONE_LINE_ERRORS as e:
        raise ToolError(str(e)) from None
    except Exception as e:
        message = component_build_message(e, cfg)
        if message is None:
            raise
        raise ToolError(f'config {config_path!r}: {message}') from None


def checked_config(cfg: Config, config_path: str, training: bool) -> Config:
    """``cfg`` after :func:`check_config`; a mistake is a :class:`ToolError`."""
    try:
        check_config(cfg, training)
    except ConfigError as e:
        raise ToolError(f'config {config_path!r}: {e}') from None
    return cfg


def prepare_train(argv: Optional[Sequence[str]] = None) -> Tuple[Config, str]:
    """tools/train.py's arguments applied to its config and every check that needs no build:
    ``(config, config path)``; :class:`ToolError` for the first problem."""
    args = train_arg_parser().parse_args(argv)
    cfg = apply_train_args(load_config(args.config, args.cfg_options), args)
    missing = missing_pretrained_message(cfg, args.config)  # before any build or data loading
    if missing:
        raise ToolError(missing)
    use_atomic_checkpoints(cfg)
    return checked_config(cfg, args.config, training=True), args.config


def run_train(argv: Optional[Sequence[str]] = None) -> Runner:
    """Parse tools/train.py's arguments, then train; returns the finished Runner."""
    cfg, config_path = prepare_train(argv)
    with one_line_errors(cfg, config_path):
        runner = _build_runner(cfg, config_path, training=True)
        runner.train()
    return runner


def prepare_test(argv: Optional[Sequence[str]] = None) -> Tuple[Config, str, bool]:
    """tools/test.py's arguments applied to its config, checked: ``(config, config path,
    --allow-empty)``; :class:`ToolError` for the first problem."""
    args = test_arg_parser().parse_args(argv)
    cfg = apply_test_args(load_config(args.config, args.cfg_options), args)
    return checked_config(cfg, args.config, training=False), args.config, args.allow_empty


def empty_evaluation_problem(metrics: Dict, images: int, predicted: int,
                             cfg: Optional[Config] = None) -> Optional[str]:
    """Why an evaluation of ``images`` test images, ``predicted`` of them with at least one
    prediction, says nothing (no metric value, or no prediction at all); ``None`` if it does.
    Shared by every tool that evaluates a model on a test set."""
    if images and not predicted:
        score_thr = ((cfg or {}).get('model') or {}).get('test_cfg', {}) or {}
        threshold = f' above model.test_cfg.score_thr={score_thr["score_thr"]}' \
            if 'score_thr' in score_thr else ''
        return (f'the model predicted nothing{threshold} on any of the {images} test images'
                f'{"" if metrics else ", so the evaluator computed no metric"} (an untrained '
                'or damaged checkpoint, or one for other data?)')
    if not metrics:
        return f'the evaluation of {images} test images produced no metric value'
    return None


def plain_metrics(metrics: Dict) -> Dict:
    """``metrics`` with numpy scalars as Python numbers (mmseg's IoU metric gives float32)."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in metrics.items()}


def metrics_line(metrics: Dict) -> str:
    """``test metrics: k=v, ...`` as the test tools print it (floats to 4 decimals)."""
    return 'test metrics: ' + ', '.join(f'{k}={v:.4f}' if isinstance(v, float) else f'{k}={v}'
                                        for k, v in plain_metrics(metrics).items())


def run_test(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Parse tools/test.py's arguments, then evaluate the checkpoint; returns the metrics."""
    cfg, config_path, allow_empty = prepare_test(argv)
    counter = PredictionCountHook()
    with one_line_errors(cfg, config_path):
        runner = _build_runner(cfg, config_path, training=False)
        runner.register_hook(counter, priority='LOWEST')
        metrics = runner.test()
    problem = empty_evaluation_problem(metrics, *counter.totals(), cfg)
    if problem and not allow_empty:
        raise ToolError(f'{problem}; --allow-empty accepts an empty evaluation')
    if is_main_process():
        if problem:
            print(f'warning: {problem} (accepted: --allow-empty)', file=sys.stderr)
        print(metrics_line(metrics))
    return metrics


def report_error(message: str) -> None:
    """Print ``error: message`` to stderr; in a torchrun worker, write it to the worker's error
    file instead, so that the launcher (:mod:`.launch`) prints it once for all processes."""
    error_file = os.environ.get(ELASTIC_ERROR_FILE)
    if error_file:
        with open(error_file, 'w') as f:
            json.dump(dict(message=message, timestamp=int(time.time())), f)
    else:
        print(f'error: {message}', file=sys.stderr)


def run_tool(run: Callable[[Optional[Sequence[str]]], object],
             argv: Optional[Sequence[str]] = None) -> int:
    """The exit status of a tool: 0, or 1 after one ``error:`` line for a :class:`ToolError`."""
    try:
        run(argv)
    except ToolError as e:
        report_error(str(e))
        return 1
    return 0
