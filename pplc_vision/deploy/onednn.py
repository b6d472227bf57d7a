"""Eager PyTorch on the CPU: each convolution and the activation after it as one oneDNN call.

Eager ``nn.Conv2d`` re-orders its weights into oneDNN's blocked layout at every call (and takes
the slow im2col path for some 1x1 convolutions), then runs the activation as a separate kernel.
:class:`OneDNNConv2d` keeps the weights pre-packed and fuses the activation into the convolution
as a oneDNN post-op, through ``torch.ops.mkldnn._convolution_pointwise`` (the op that
TorchInductor's CPU backend emits). The module stays eager: no tracing, no compilation, any input
size. Results equal the unfused module's to float32 rounding. Run it after
:func:`pplc_vision.deploy.fuse.deploy_model` (BatchNorms folded); it is for fp32 CPU inference
only (not ONNX export, not autocast), so the ONNX engines export the plain deploy model.
"""
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import nn

# activation module type -> (oneDNN post-op, its scalars)
_POST_OPS = {
    nn.ReLU: ('relu', []),
    nn.ReLU6: ('hardtanh', [0.0, 6.0]),
    nn.Hardswish: ('hardswish', []),
    nn.Hardsigmoid: ('hardsigmoid', []),
    nn.SiLU: ('swish', []),
    nn.Sigmoid: ('sigmoid', []),
    nn.Tanh: ('tanh', []),
}


def onednn_available() -> bool:
    """Whether this torch build has oneDNN and its fused convolution op."""
    return (torch.backends.mkldnn.is_available()
            and hasattr(torch.ops.mkldnn, '_convolution_pointwise'))


def _post_op(act: Optional[nn.Module]) -> Optional[Tuple[str, List[float]]]:
    """The oneDNN post-op of an activation module (``('none', [])`` for no activation);
    ``None`` when oneDNN has no exact equivalent."""
    if act is None or isinstance(act, nn.Identity):
        return 'none', []
    if type(act) is nn.LeakyReLU:
        return 'leaky_relu', [float(act.negative_slope)]
    return _POST_OPS.get(type(act))


def _convertible(conv: nn.Module) -> bool:
    return (type(conv) is nn.Conv2d and conv.padding_mode == 'zeros'
            and not isinstance(conv.padding, str) and conv.weight.dtype == torch.float32
            and conv.weight.device.type == 'cpu')


class OneDNNConv2d(nn.Module):
    """An ``nn.Conv2d`` followed by an optional activation, run as one oneDNN primitive.

    The weights are packed for oneDNN at the first call (packed tensors are not copied or
    saved: ``weight``/``bias`` stay the state). ``forward(x, activate=False)`` skips the
    activation, as mmcv's ``ConvModule`` allows.
    """

    def __init__(self, conv: nn.Conv2d, act: Optional[nn.Module] = None) -> None:
        super().__init__()
        post_op = _post_op(act)
        if not _convertible(conv) or post_op is None:
            raise ValueError(f'OneDNNConv2d: cannot run {conv} followed by {act} as one oneDNN '
                             f'call (needs an fp32 CPU Conv2d with zero padding and one of '
                             f'{sorted(t.__name__ for t in _POST_OPS)} or LeakyReLU)')
        self.weight = nn.Parameter(conv.weight.detach().clone(), requires_grad=False)
        self.bias = (nn.Parameter(conv.bias.detach().clone(), requires_grad=False)
                     if conv.bias is not None else None)
        # nn.Conv2d's descriptive attributes, for code that reads them at run time
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        self.kernel_size = conv.kernel_size
        self.padding = list(conv.padding)
        self.stride = list(conv.stride)
        self.dilation = list(conv.dilation)
        self.groups = conv.groups
        self.attr, self.scalars = post_op
        self._packed: Optional[torch.Tensor] = None

    def _pack(self, x: torch.Tensor) -> torch.Tensor:
        if self._packed is None:
            self._packed = torch.ops.mkldnn._reorder_convolution_weight(
                self.weight.detach(), self.padding, self.stride, self.dilation, self.groups,
                list(x.shape))
        return self._packed

    def forward(self, x: torch.Tensor, activate: bool = True, **kwargs) -> torch.Tensor:
        return torch.ops.mkldnn._convolution_pointwise(
            x, self._pack(x), self.bias, self.padding, self.stride, self.dilation,
            self.groups, self.attr if activate else 'none', self.scalars if activate else [],
            '')

    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        state['_packed'] = None  # oneDNN's opaque tensors cannot be copied or pickled
        return state

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
                f'stride={tuple(self.stride)}, groups={self.groups}, post_op={self.attr}')


def _conv_module_parts(module: nn.Module) -> Optional[Tuple[nn.Conv2d, Optional[nn.Module]]]:
    """(conv, activation) of an mmcv ``ConvModule`` whose norm is folded away or absent."""
    order = tuple(getattr(module, 'order', ()))
    if order not in (('conv', 'norm', 'act'), ('conv', 'act', 'norm')) or \
            getattr(module, 'with_explicit_padding', False):
        return None
    if getattr(module, 'with_norm', False) and \
            not isinstance(getattr(module, module.norm_name), nn.Identity):
        return None
    act = module.activate if getattr(module, 'with_activation', False) else None
    return module.conv, act


def fuse_conv_activation(model: nn.Module) -> int:
    """Replace convolutions (and the activation right after each) by :class:`OneDNNConv2d`,
    in place; returns how many convolutions were replaced (0 without oneDNN).

    Handles mmcv ``ConvModule`` (replaced whole), ``nn.Sequential`` chains ``Conv2d,
    [Identity...], activation`` (torchvision's and timm's blocks, after BN folding) and any other
    ``nn.Conv2d`` (packed, activation left as it is).
    """
    if not onednn_available():
        return 0
    if model.training:
        raise ValueError('fuse_conv_activation: put the model in eval mode first')
    replaced = 0
    for name, module in list(model.named_modules()):
        if not name:
            continue
        parent_name, _, attr = name.rpartition('.')
        try:
            parent = model.get_submodule(parent_name) if parent_name else model
        except AttributeError:
            continue  # inside a module replaced already
        if getattr(parent, attr, None) is not module:
            continue
        parts = _conv_module_parts(module) if hasattr(module, 'norm_name') else None
        if parts is not None and _convertible(parts[0]) and _post_op(parts[1]) is not None:
            setattr(parent, attr, OneDNNConv2d(*parts))
            replaced += 1
        elif isinstance(module, nn.Sequential):
            replaced += _fuse_sequential(module)
    for name, module in list(model.named_modules()):
        if type(module) is nn.Conv2d and _convertible(module):
            parent_name, _, attr = name.rpartition('.')
            setattr(model.get_submodule(parent_name) if parent_name else model, attr,
                    OneDNNConv2d(module))
            replaced += 1
    return replaced


def _fuse_sequential(seq: nn.Sequential) -> int:
    """Fuse ``Conv2d, [Identity...], activation`` runs inside ``seq``."""
    names = list(seq._modules)
    fused = 0
    for i, name in enumerate(names):
        conv = seq._modules[name]
        if type(conv) is not nn.Conv2d or not _convertible(conv):
            continue
        j = i + 1
        while j < len(names) and isinstance(seq._modules[names[j]], nn.Identity):
            j += 1
        act = seq._modules[names[j]] if j < len(names) else None
        if act is None or _post_op(act) is None or isinstance(act, nn.Identity):
            continue
        seq._modules[name] = OneDNNConv2d(conv, act)
        seq._modules[names[j]] = nn.Identity()
        fused += 1
    return fused
