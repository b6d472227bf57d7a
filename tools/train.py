"""Train a model from a config: python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
[--amp] [--auto-scale-lr] [--cfg-options K=V ...] [--launcher none|pytorch|slurm|mpi]."""
import sys

import pplc_vision  # noqa: F401  (registers the models; torch>=2.6 checkpoint-loading fix)
from pplc_vision.apis import ToolError, run_train

if __name__ == '__main__':
    try:
        run_train()
    except ToolError as e:
        sys.exit(f'error: {e}')
