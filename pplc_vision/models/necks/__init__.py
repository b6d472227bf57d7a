"""Detection necks (mmdet scope)."""
from .csp_pan import LCPAN, PicoCSPPAN
from .pico_pan import PicoPAN

__all__ = ['LCPAN', 'PicoCSPPAN', 'PicoPAN']
