from .depthwise_separable import DepthSepConv, build_se_layer
from .squeeze_excitation import SqueezeExcitation
from .widths import make_divisible, scaled_width, scaled_widths

__all__ = ['DepthSepConv', 'SqueezeExcitation', 'build_se_layer', 'make_divisible',
           'scaled_width', 'scaled_widths']
