"""Entry points behind tools/: command-line arguments to configs, runs, model building."""
from ..registry import build_model_from_config
from .runner_args import (ToolError, apply_test_args, apply_train_args, load_config,
                          test_arg_parser, train_arg_parser)
from .runs import ONE_LINE_ERRORS, run_test, run_train

__all__ = [
    'ONE_LINE_ERRORS', 'ToolError', 'apply_test_args', 'apply_train_args',
    'build_model_from_config', 'load_config', 'run_test', 'run_train', 'test_arg_parser',
    'train_arg_parser'
]
