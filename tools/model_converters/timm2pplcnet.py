"""Convert a timm lcnet_* state dict to an mmengine checkpoint.

Usage: python tools/model_converters/timm2pplcnet.py SRC DST [--scale S] [--backbone-only]
"""
import sys

from pplc_vision.converters.cli import main

if __name__ == '__main__':
    sys.exit(main('timm'))
