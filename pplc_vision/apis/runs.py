"""Train and test runs behind tools/train.py and tools/test.py (mmengine ``Runner.from_cfg``)."""
from typing import Dict, Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.runner import Runner

from ..engine import apply_atomic_local_writes
from .runner_args import (apply_test_args, apply_train_args, load_config, test_arg_parser,
                          train_arg_parser)


def run_train(argv: Optional[Sequence[str]] = None) -> Runner:
    """Parse tools/train.py's arguments, then train; returns the finished Runner."""
    args = train_arg_parser().parse_args(argv)
    cfg = apply_train_args(load_config(args.config, args.cfg_options), args)
    apply_atomic_local_writes()
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def run_test(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    """Parse tools/test.py's arguments, then evaluate the checkpoint; returns the metrics."""
    args = test_arg_parser().parse_args(argv)
    cfg = apply_test_args(load_config(args.config, args.cfg_options), args)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if is_main_process():
        print('test metrics: ' + ', '.join(f'{k}={v:.4f}' if isinstance(v, float) else f'{k}={v}'
                                           for k, v in metrics.items()))
    return metrics
