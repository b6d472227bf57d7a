from .depthwise_separable import DepthSepConv, build_se_layer
from .widths import scaled_width, scaled_widths

__all__ = ['DepthSepConv', 'build_se_layer', 'scaled_width', 'scaled_widths']
