"""Converting PP-LCNet weights from PaddleClas and timm into pplc_vision's mmengine checkpoints."""
from .checkpoint import (ConversionError, build_pplcnet_classifier, save_checkpoint_atomic,
                         select_backbone)
from .paddle import convert_paddle_pplcnet, load_paddle_params
from .timm import convert_timm_lcnet, load_torch_state_dict

__all__ = [
    'ConversionError', 'build_pplcnet_classifier', 'save_checkpoint_atomic', 'select_backbone',
    'convert_paddle_pplcnet', 'load_paddle_params', 'convert_timm_lcnet', 'load_torch_state_dict'
]
