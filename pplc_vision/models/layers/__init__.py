from .depthwise_separable import DepthSepConv, build_se_layer
from .squeeze_excitation import SqueezeExcitation, make_divisible

__all__ = ['DepthSepConv', 'SqueezeExcitation', 'build_se_layer', 'make_divisible']
