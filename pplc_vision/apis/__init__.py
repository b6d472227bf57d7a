"""Entry points behind tools/: command-line arguments to configs, runs, model building."""
from ..registry import build_model_from_config
from .config_checks import ConfigError, check_config
from .runner_args import (ToolError, apply_test_args, apply_train_args, load_config,
                          test_arg_parser, train_arg_parser)
from .runs import (ONE_LINE_ERRORS, empty_evaluation_problem, metrics_line, plain_metrics,
                   prepare_test, prepare_train, run_test, run_tool, run_train)

__all__ = [
    'ConfigError', 'ONE_LINE_ERRORS', 'ToolError', 'apply_test_args', 'apply_train_args',
    'build_model_from_config', 'check_config', 'empty_evaluation_problem', 'load_config',
    'metrics_line', 'plain_metrics', 'prepare_test', 'prepare_train', 'run_test', 'run_tool',
    'run_train', 'test_arg_parser', 'train_arg_parser'
]
