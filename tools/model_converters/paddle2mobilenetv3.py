"""Convert a PaddleClas MobileNetV3 .pdparams checkpoint to an mmengine checkpoint (no paddle).

Usage: python tools/model_converters/paddle2mobilenetv3.py SRC DST [--arch large|small]
       [--widen-factor W] [--backbone-only] [--dropout-rate 0.2]
"""
import sys

from pplc_vision.converters.cli import main_mobilenet_v3

if __name__ == '__main__':
    sys.exit(main_mobilenet_v3())
