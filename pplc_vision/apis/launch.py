"""torchrun for tools/dist_train.sh and tools/dist_test.sh, with the tools' one-line errors.

``python -m pplc_vision.apis.launch [torchrun arguments] tools/train.py CONFIG [arguments]``
takes torchrun's arguments. Plain torchrun turns one mistake into N error lines (one per
process) and its own ``ChildFailedError`` traceback. Here:

- the tool's arguments and config are checked once, in this process, before any worker starts
  (:func:`~.runs.prepare_train`, :func:`~.runs.prepare_test`);
- a worker that stops on a later error (data, checkpoint, disk) writes its line to its torchrun
  error file (:func:`~.runs.report_error`) instead of printing it, and this launcher prints the
  first one, once, and exits with status 1.
"""
import logging
import os.path as osp
import sys
from typing import Callable, Dict, List, Optional, Tuple

from torch.distributed.elastic.multiprocessing.errors import ChildFailedError, ProcessFailure
from torch.distributed.run import parse_args, run

from .runner_args import ToolError
from .runs import prepare_test, prepare_train

# The tools whose arguments and config are checked before the workers start.
PREPARE: Dict[str, Callable] = {'train.py': prepare_train, 'test.py': prepare_test}


class DropFailureReports(logging.Filter):
    """Drops torch.distributed's own error records (``failed (exitcode: 1) ...``): the launcher
    reports a failure itself, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def _quiet_failure_reports() -> None:
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith('torch.distributed') and isinstance(logger, logging.Logger):
            logger.addFilter(DropFailureReports())


def reported_failure(error: ChildFailedError) -> Tuple[int, ProcessFailure, bool]:
    """``(rank, failure, whether it carries a tool's one-line message)``: the earliest worker
    that wrote a message (:func:`~.runs.report_error`), else the earliest failure."""
    written = {rank: f for rank, f in error.failures.items()
               if isinstance(f.error_file_data.get('message'), str)}
    if written:
        rank = min(written, key=lambda r: written[r].timestamp)
        return rank, written[rank], True
    rank, failure = error.get_first_failure()
    return rank, failure, False


def main(argv: Optional[List[str]] = None) -> int:
    """Check the tool's arguments and config, then run torchrun; the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    prepare = PREPARE.get(osp.basename(args.training_script))
    if prepare is not None:
        try:
            prepare(list(args.training_script_args))
        except ToolError as e:
            print(f'error: {e}', file=sys.stderr)
            return 1
    _quiet_failure_reports()
    try:
        run(args)
    except ChildFailedError as e:
        rank, failure, own = reported_failure(e)
        message = failure.message if own else (
            f'process {rank} failed (exit code {failure.exitcode}: {failure.message}); its '
            'output is above')
        print(f'error: {message}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
