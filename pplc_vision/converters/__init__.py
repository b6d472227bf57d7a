"""Converting PP-LCNet weights (PaddleClas, timm) and PaddleClas MobileNetV3 weights into
pplc_vision's mmengine checkpoints."""
from .checkpoint import (ConversionError, build_pplcnet_classifier, save_checkpoint_atomic,
                         select_backbone)
from .paddle import convert_paddle_pplcnet, load_paddle_params
from .paddle_mobilenet_v3 import (build_mobilenet_v3_classifier, convert_paddle_mobilenet_v3,
                                  match_arch_width, mobilenet_v3_backbone_key)
from .timm import convert_timm_lcnet, load_torch_state_dict

__all__ = [
    'ConversionError', 'build_pplcnet_classifier', 'save_checkpoint_atomic', 'select_backbone',
    'convert_paddle_pplcnet', 'load_paddle_params', 'convert_timm_lcnet', 'load_torch_state_dict',
    'build_mobilenet_v3_classifier', 'convert_paddle_mobilenet_v3', 'match_arch_width',
    'mobilenet_v3_backbone_key'
]
