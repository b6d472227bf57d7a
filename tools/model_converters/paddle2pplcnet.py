"""Convert a PaddleClas PP-LCNet .pdparams checkpoint to an mmengine checkpoint (paddle not needed).

Usage: python tools/model_converters/paddle2pplcnet.py SRC DST [--scale S] [--backbone-only]
       python tools/model_converters/paddle2pplcnet.py SRC DST --config CONFIG

With --config (e.g. a PULC model into configs/cls/pulc/pplcnet_1x_pulc-<task>.py) the result is
checked against that config's classifier (class count, last conv, every shape) and carries its
class names, so that tools/test.py and mmpretrain's inferencers load it as it is.
"""
import sys

from pplc_vision.converters.cli import main

if __name__ == '__main__':
    sys.exit(main('paddle'))
