"""Per-parameter learning rate and weight decay chosen by regular expressions on the parameter
names: mmengine's ``custom_keys`` match substrings, which cannot tell a BN that PaddleDetection
spares from decay (inside ``ConvNormLayer`` or PP-LCNet's ``ConvBNLayer``) from one that it decays
(inside ``DPModule``) when both sit in blocks with the same local names.
"""
import re
from typing import List, Optional, Union

from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class RegexOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """:class:`DefaultOptimWrapperConstructor` with ``paramwise_cfg['regex_keys']``.

    ``regex_keys`` maps regular expressions to ``dict(lr_mult=..., decay_mult=...)``; each
    parameter takes the options of the first expression that ``re.search``es its full name
    (``neck.top_down_blocks.0.0.dw_conv.bn.weight``), over whatever mmengine's own paramwise
    rules set. Example (PicoDet v2: decay on every parameter but the BNs PaddleDetection spares)::

        paramwise_cfg=dict(regex_keys={r'^backbone\\..*\\.bn\\.': dict(decay_mult=0.0)})
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        keys = self.paramwise_cfg.get('regex_keys', {})
        if not isinstance(keys, dict):
            raise TypeError(f'RegexOptimWrapperConstructor: regex_keys must be a dict of '
                            f'pattern -> options, got {type(keys).__name__}')
        if self.base_wd is None and any('decay_mult' in v for v in keys.values()):
            raise ValueError('RegexOptimWrapperConstructor: decay_mult needs the optimizer\'s '
                             'weight_decay')
        self.regex_keys = [(re.compile(k), dict(v)) for k, v in keys.items()]

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   is_dcn_module: Optional[Union[int, float]] = None) -> None:
        super().add_params(params, module, prefix, is_dcn_module)
        if prefix or not self.regex_keys:
            return  # mmengine recurses into the children; the names are known at the top
        names = {id(p): name for name, p in module.named_parameters()}
        for group in params:
            name = names.get(id(group['params'][0]))
            options = next((o for regex, o in self.regex_keys
                            if name is not None and regex.search(name)), None)
            if options is None:
                continue
            group['lr'] = self.base_lr * options.get('lr_mult', 1.0)
            if self.base_wd is not None:
                group['weight_decay'] = self.base_wd * options.get('decay_mult', 1.0)
