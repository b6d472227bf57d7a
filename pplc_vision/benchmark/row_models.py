"""The network a paper row names, built from the library it comes from (random weights).

Builders: ``pplcnet:<scale>`` (our classifier), ``paddle-mobilenetv3:<arch>:<width>`` (our
classifier equal to PaddleClas' MobileNetV3, the paper's baseline), ``torchvision:<fn>:<width>``,
``shufflenetv2:<stage channels>`` (torchvision's class with the paper's widths), ``timm:<name>``
and ``config:<path>`` (a config of this repository, resolved under ``root``).
"""
import os

import torchvision.models as tvm
from torch import nn
from torchvision.models.shufflenetv2 import ShuffleNetV2

from ..apis import build_model_from_config, load_config
from ..converters import build_mobilenet_v3_classifier, build_pplcnet_classifier

SHUFFLENETV2_REPEATS = [4, 8, 4]


def build_row_model(build: str, root: str = '.') -> nn.Module:
    """The eval-mode network that a :class:`~pplc_vision.benchmark.paper_data.PaperRow`'s
    ``build`` names (random weights)."""
    kind, _, spec = build.partition(':')
    if kind == 'pplcnet':
        model = build_pplcnet_classifier(float(spec))
    elif kind == 'torchvision':
        fn, width = spec.split(':')
        model = getattr(tvm, fn)(width_mult=float(width))
    elif kind == 'shufflenetv2':
        model = ShuffleNetV2(SHUFFLENETV2_REPEATS, [int(c) for c in spec.split(',')])
    elif kind == 'paddle-mobilenetv3':
        arch, width = spec.split(':')
        model = build_mobilenet_v3_classifier(arch, float(width))
    elif kind == 'timm':
        import timm  # optional dependency: only Table 3's and the survey's baselines need it
        model = timm.create_model(spec, pretrained=False)
    elif kind == 'config':
        model = build_model_from_config(load_config(os.path.join(root, spec)))
    else:
        raise ValueError(f'unknown row builder {build!r}')
    model.eval()
    return model
