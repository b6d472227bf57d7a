from .pplcnet_head import PPLCNetClsHead

__all__ = ['PPLCNetClsHead']
