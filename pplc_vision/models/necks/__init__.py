"""Detection necks (mmdet scope)."""
from .pico_pan import PicoPAN

__all__ = ['PicoPAN']
