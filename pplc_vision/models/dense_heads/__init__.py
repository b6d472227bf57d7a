"""Detection heads (mmdet scope) and the GFL decoding of all priors that they and the export
wrapper share."""
from .gfl_decode import decode_gfl_priors
from .pico_gfl_head import PicoGFLHead
from .pico_head_v2 import PICODET_V2_ARCHS, PicoHeadV2
from .pico_vfl_head import PicoVFLHead

__all__ = ['PICODET_V2_ARCHS', 'PicoGFLHead', 'PicoHeadV2', 'PicoVFLHead', 'decode_gfl_priors']
