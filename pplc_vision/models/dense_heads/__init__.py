"""Detection heads (mmdet scope)."""
from .pico_gfl_head import PicoGFLHead
from .pico_vfl_head import PicoVFLHead

__all__ = ['PicoGFLHead', 'PicoVFLHead']
