"""Detection necks (mmdet scope)."""
from .csp_pan import PicoCSPPAN
from .pico_pan import PicoPAN

__all__ = ['PicoCSPPAN', 'PicoPAN']
