from .mobilenet_v3 import TorchvisionMobileNetV3
from .mobileone import MobileOne, mobileone_out_channels
from .pplcnet import PPLCNet

__all__ = ['MobileOne', 'PPLCNet', 'TorchvisionMobileNetV3', 'mobileone_out_channels']
