"""Evaluate a checkpoint: python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
[--show-dir DIR] [--allow-empty] [--cfg-options K=V ...] [--launcher none|pytorch|slurm|mpi].

A problem with the config, the data or the checkpoint, and an evaluation without any metric
value or prediction (unless --allow-empty), end it with one ``error: ...`` line and exit
status 1."""
import sys
from typing import List, Optional

import pplc_vision  # noqa: F401  (registers the models; torch>=2.6 checkpoint-loading fix)
from pplc_vision.apis import run_test, run_tool


def main(argv: Optional[List[str]] = None) -> int:
    return run_tool(run_test, argv)


if __name__ == '__main__':
    sys.exit(main())
