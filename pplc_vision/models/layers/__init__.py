from .depthwise_separable import DepthSepConv, build_se_layer

__all__ = ['DepthSepConv', 'build_se_layer']
