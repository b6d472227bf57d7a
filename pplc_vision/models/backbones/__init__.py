from .mobilenet_v3 import TorchvisionMobileNetV3
from .pplcnet import PPLCNet

__all__ = ['PPLCNet', 'TorchvisionMobileNetV3']
