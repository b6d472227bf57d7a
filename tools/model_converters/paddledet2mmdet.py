"""Convert a PaddleDetection PicoDet checkpoint (.pdparams, LCNet backbone) to an mmdet checkpoint
for CONFIG.

Families: PicoDet v2 (PaddleDetection configs/picodet/picodet_{xs,s,m,l}_*_coco_lcnet.yml and
the pedestrian detectors, LCPAN + PicoHeadV2) for configs/det/picodet-v2_*.py (size and class
count checked), the CSP-PAN PicoDet (PaddleDetection configs/picodet/legacy_model, e.g.
picodet_lcnet_1_5x_416_coco) for configs/det/picodet-csppan_pplcnet_*_coco.py, and the first
PicoDet (2021.09, PAN + GFL) for configs/det/picodet_pplcnet_*_coco.py. The CSP-PAN family also
holds PP-ShiTu's mainbody detector (picodet_lcnet_x2_5_640_mainbody.pdparams:
configs/det/picodet-csppan_pplcnet_2.5x_640_mainbody.py) and PP-Structure's layout detectors
(picodet_lcnet_x1_0_fgd_layout{,_cdla}.pdparams: configs/det/
picodet-csppan_pplcnet_1x_layout-{publaynet,cdla}.py); a checkpoint whose class count differs
from the config's is refused, naming both counts. The result loads with
``tools/test.py CONFIG DST`` and mmdet's ``DetInferencer(CONFIG, DST)``. Paddle is not needed.

Usage: python tools/model_converters/paddledet2mmdet.py SRC.pdparams DST.pth --config CONFIG
"""
import sys
from typing import List, Optional

from pplc_vision.converters.cli import main_for_config
from pplc_vision.converters.paddledet import paddledet_checkpoint


def main(argv: Optional[List[str]] = None) -> int:
    return main_for_config(' '.join(__doc__.split('\n\n')[0].split()),
                           'PaddleDetection PicoDet checkpoint (.pdparams)',
                           paddledet_checkpoint, argv)


if __name__ == '__main__':
    sys.exit(main())
