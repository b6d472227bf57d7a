"""Convert a PaddleSeg DeepLabV3P checkpoint (.pdparams) to an mmseg checkpoint for CONFIG.

The backbone is PaddleSeg's MobileNetV3_large_x* or PaddleClas' PPLCNet (wrapped for DeepLabV3P);
CONFIG is a DeepLabV3+ config with the PaddleSeg head (configs/seg/deeplabv3plus_*_os32_*.py).
The result loads with ``tools/test.py CONFIG DST`` and ``MMSegInferencer(CONFIG, DST)``.
Paddle is not needed.

Usage: python tools/model_converters/paddleseg2mmseg.py SRC.pdparams DST.pth --config CONFIG
"""
import sys
from typing import List, Optional

from pplc_vision.converters.cli import main_for_config
from pplc_vision.converters.paddleseg import paddleseg_checkpoint


def main(argv: Optional[List[str]] = None) -> int:
    return main_for_config(' '.join(__doc__.split('\n\n')[0].split()),
                           'PaddleSeg DeepLabV3P checkpoint (.pdparams)',
                           paddleseg_checkpoint, argv)


if __name__ == '__main__':
    sys.exit(main())
