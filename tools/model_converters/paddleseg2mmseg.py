"""Convert a PaddleSeg DeepLabV3P checkpoint (.pdparams) to an mmseg checkpoint for CONFIG.

The backbone is PaddleSeg's MobileNetV3_large_x* or PaddleClas' PPLCNet (wrapped for DeepLabV3P);
CONFIG is a DeepLabV3+ config with the PaddleSeg head (configs/seg/deeplabv3plus_*_os32_*.py).
The result loads with ``tools/test.py CONFIG DST`` and ``MMSegInferencer(CONFIG, DST)``.
Paddle is not needed.

Usage: python tools/model_converters/paddleseg2mmseg.py SRC.pdparams DST.pth --config CONFIG
"""
import argparse
import sys
from typing import List, Optional

from pplc_vision.converters.checkpoint import ConversionError, save_checkpoint_atomic
from pplc_vision.converters.paddleseg import paddleseg_checkpoint


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='PaddleSeg DeepLabV3P checkpoint (.pdparams)')
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    parser.add_argument('--config', required=True,
                        help='mmseg config whose model the checkpoint must fit exactly')
    args = parser.parse_args(argv)
    try:
        checkpoint, summary = paddleseg_checkpoint(args.src, args.config)
    except ConversionError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    save_checkpoint_atomic(checkpoint, args.dst)
    print(f'wrote {args.dst}: {summary}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
