"""Detection heads (mmdet scope)."""
from .pico_gfl_head import PicoGFLHead

__all__ = ['PicoGFLHead']
