"""Train a model from a config: python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]]
[--amp] [--auto-scale-lr] [--cfg-options K=V ...] [--launcher none|pytorch|slurm|mpi].

A problem with the config, the data, a checkpoint or the work dir ends it with one
``error: ...`` line and exit status 1."""
import sys
from typing import List, Optional

import pplc_vision  # noqa: F401  (registers the models; torch>=2.6 checkpoint-loading fix)
from pplc_vision.apis import run_tool, run_train


def main(argv: Optional[List[str]] = None) -> int:
    return run_tool(run_train, argv)


if __name__ == '__main__':
    sys.exit(main())
