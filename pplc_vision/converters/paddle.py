"""PaddleClas PP-LCNet checkpoints (``.pdparams``) to pplc_vision's classifier state dict (for a
config's classifier, e.g. the PULC models: :mod:`.paddleclas_config`).

A ``.pdparams`` file is a pickled dict of numpy arrays, so paddle is not needed to read it. It is
read with :class:`PdparamsUnpickler`, which admits numpy arrays and plain containers only: a
model file is untrusted input, and a plain ``pickle.load`` would run any code it names.
The differences that matter (see spec/PAPER.md): BN statistics are ``_mean``/``_variance``;
Linear weights are ``[in, out]``; the classifier's dropout is Paddle's ``downscale_in_infer`` mode,
which scales the 1280-d feature by ``1 - p`` at inference, so ``1 - p`` is folded into the FC
weight (not the bias) to give the same logits in torch, whose dropout is the identity at inference.
"""
import codecs
import collections
import pickle
import re
from collections import OrderedDict
from typing import Any, Mapping, Optional, Tuple

import numpy as np
import torch

from .checkpoint import ConversionError, StateDict, _short, add_bn_counters

_BN_NAMES = {'weight': 'weight', 'bias': 'bias', '_mean': 'running_mean',
             '_variance': 'running_var'}
_CONV_BN = re.compile(r'^(conv1|blocks[2-6]\.\d+\.(?:dw_conv|pw_conv))\.(conv\.weight|bn\.\w+)$')
_SE = re.compile(r'^(blocks[2-6]\.\d+\.se)\.(conv[12])\.(weight|bias)$')


# What a .pdparams may name: numpy's array/scalar reconstruction (numpy 1.x and 2.x module
# names) and dtypes, OrderedDict, and ``_codecs.encode`` (how protocol 2 pickles write bytes).
# Everything else (os.system, builtins.eval, ...) is refused.
_PDPARAMS_GLOBALS = {
    ('_codecs', 'encode'),
    ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'), ('collections', 'OrderedDict'),
}


class PdparamsUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of :data:`_PDPARAMS_GLOBALS`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _PDPARAMS_GLOBALS:
            raise pickle.UnpicklingError(f'it names {module}.{name}, which is not a numpy '
                                         'array or a plain container (loading it could run '
                                         'code)')
        if module == 'collections':
            return collections.OrderedDict
        if module == '_codecs':
            return codecs.encode
        multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
        return getattr(np, name) if module == 'numpy' else getattr(multiarray, name)


_READ_ERRORS: Tuple[type, ...] = (pickle.UnpicklingError, EOFError, ValueError, TypeError,
                                  AttributeError, ImportError, IndexError, KeyError)


def load_paddle_params(path: str) -> Mapping[str, Any]:
    """Read a ``.pdparams`` file (a pickled ``{name: ndarray}``) without paddle, safely."""
    try:
        with open(path, 'rb') as f:
            params = PdparamsUnpickler(f, encoding='latin1').load()
    except FileNotFoundError:
        raise ConversionError(f'{path}: no such file') from None
    except _READ_ERRORS as e:
        if isinstance(e, pickle.UnpicklingError) and 'could run code' in str(e):
            raise ConversionError(f'{path}: refused: {e}') from None
        raise ConversionError(f'{path}: cannot read it as a Paddle checkpoint (truncated or not '
                              f'a .pdparams pickle): {type(e).__name__}: {e}') from None
    if not isinstance(params, Mapping):
        raise ConversionError(f'{path}: expected a dict of arrays, got {type(params).__name__}')
    return params


def pplcnet_backbone_key(name: str) -> Optional[str]:
    """Our ``PPLCNet`` state-dict name for a PaddleClas ``PPLCNet`` feature-backbone parameter.

    ``name`` has no prefix (``'blocks3.0.dw_conv.bn._mean'`` -> ``'blocks3.0.dw_conv.bn.
    running_mean'``, ``'blocks6.0.se.conv1.weight'`` -> ``'blocks6.0.se.conv1.conv.weight'``);
    None for anything else (the classifier's ``last_conv``/``fc``, unknown names).
    """
    if m := _CONV_BN.match(name):
        module, leaf = m.groups()
        if leaf.startswith('bn.'):
            if leaf[3:] not in _BN_NAMES:
                return None
            leaf = 'bn.' + _BN_NAMES[leaf[3:]]
        return f'{module}.{leaf}'
    if m := _SE.match(name):
        module, conv, leaf = m.groups()
        return f'{module}.{conv}.conv.{leaf}'
    return None


def paddle_tensor(name: str, value: Any, source: str) -> torch.Tensor:
    """A ``.pdparams`` entry as a torch tensor; :class:`ConversionError` when it is no array."""
    try:
        return torch.from_numpy(np.ascontiguousarray(np.asarray(value)))
    except (TypeError, ValueError):
        raise ConversionError(f'{source}: {name} is not an array '
                              f'({type(value).__name__})') from None


def convert_paddle_pplcnet(params: Mapping[str, Any], dropout_rate: float = 0.2,
                           source: str = 'checkpoint') -> StateDict:
    """Map PaddleClas ``PPLCNet`` parameter names and layouts to ``ImageClassifier`` keys."""
    out = OrderedDict()
    unknown = []
    for name, value in params.items():
        if name.startswith('StructuredToParameterName'):
            continue  # name table of old Paddle formats, not a weight
        tensor = paddle_tensor(name, value, source)
        if (key := pplcnet_backbone_key(name)) is not None:
            out[f'backbone.{key}'] = tensor
        elif name == 'last_conv.weight':
            out['head.last_conv.weight'] = tensor
        elif name == 'fc.weight':
            if tensor.dim() != 2:
                raise ConversionError(f'{source}: fc.weight should be 2-D [in, out], got '
                                      f'{tuple(tensor.shape)}')
            out['head.fc.weight'] = tensor.t().contiguous()
        elif name == 'fc.bias':
            out['head.fc.bias'] = tensor
        else:
            unknown.append(name)
    if unknown:
        raise ConversionError(f'{source} is not a PaddleClas PP-LCNet checkpoint: '
                              f'{len(unknown)} unknown keys: {_short(unknown)}')
    if 'head.last_conv.weight' in out and 'head.fc.weight' in out:
        # downscale_in_infer dropout sits between last_conv and fc
        out['head.fc.weight'] = out['head.fc.weight'] * (1.0 - dropout_rate)
    return add_bn_counters(out)

