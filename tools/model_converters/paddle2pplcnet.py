"""Convert a PaddleClas PP-LCNet .pdparams checkpoint to an mmengine checkpoint (paddle not needed).

Usage: python tools/model_converters/paddle2pplcnet.py SRC DST [--scale S] [--backbone-only]
"""
import sys

from pplc_vision.converters.cli import main

if __name__ == '__main__':
    sys.exit(main('paddle'))
