"""Evaluate a checkpoint: python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE.pkl]
[--show-dir DIR] [--cfg-options K=V ...] [--launcher none|pytorch|slurm|mpi]."""
import sys

import pplc_vision  # noqa: F401  (registers the models; torch>=2.6 checkpoint-loading fix)
from pplc_vision.apis import ToolError, run_test

if __name__ == '__main__':
    try:
        run_test()
    except ToolError as e:
        sys.exit(f'error: {e}')
