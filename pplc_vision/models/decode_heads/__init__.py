"""Segmentation decode heads (mmseg scope)."""
from .paddleseg_deeplabv3plus_head import PaddleSegDeepLabV3PlusHead, SeparableConvBNReLU

__all__ = ['PaddleSegDeepLabV3PlusHead', 'SeparableConvBNReLU']
