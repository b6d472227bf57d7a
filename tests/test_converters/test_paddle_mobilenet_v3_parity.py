"""Parity with the authors' code: PaddleClas' own MobileNetV3 classifiers, converted by our CLI,
give our logits on real images, and have the size Paddle counts and the paper lists.

Needs paddlepaddle and the paddleclas 2.6.0 wheel (test-only; ``bash tools/setup_env.sh --test``).
"""
import contextlib
import io
import os
import subprocess
import sys
from typing import Callable, Dict, NamedTuple, Tuple

import numpy as np
import pytest
import torch

from pplc_vision.benchmark.complexity import measure_complexity
from pplc_vision.converters import build_mobilenet_v3_classifier, mobilenet_v3_backbone_key
from pplc_vision.converters.cli import main_mobilenet_v3
from pplc_vision.deploy.calibration import load_images, random_crops
from pplc_vision.references.paddleclas import (import_paddleclas_mobilenet_v3,
                                               import_paddleclas_pplcnet,
                                               set_paddle_bn_statistics)
from pplc_vision.models import PaddleMobileNetV3

import paddle  # noqa: E402  (test-only dependency: bash tools/setup_env.sh --test)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddle2mobilenetv3.py')
PHOTOS = os.path.join(ROOT, 'data', 'demo_cityscapes', 'leftImg8bit')
# The six widths of the paper's baselines (Tables 3 to 5), as PaddleClas names them.
MODELS = {('large', 0.35): 'MobileNetV3_large_x0_35', ('large', 0.5): 'MobileNetV3_large_x0_5',
          ('large', 0.75): 'MobileNetV3_large_x0_75', ('large', 1.0): 'MobileNetV3_large_x1_0',
          ('small', 0.35): 'MobileNetV3_small_x0_35', ('small', 1.25): 'MobileNetV3_small_x1_25'}
# spec/PAPER.md, "Other systems in the seeds": (params M, MACs M) of Paddle's large classifiers.
PAPER_SIZE = {0.35: (2.11, 40.9), 0.5: (2.69, 71.8), 0.75: (3.93, 151.7), 1.0: (5.50, 229.7)}
# PaddleClas' model zoo, (params M, FLOPs M), from docs/en/algorithm_introduction/
# ImageNet_models_en.md: its params include the BN statistics, its "FLOPs" are MACs.
PADDLECLAS_ZOO = {('large', 0.35): (2.11, 40.90), ('large', 0.5): (2.69, 71.83),
                  ('large', 0.75): (3.93, 151.70), ('large', 1.0): (5.50, 229.66),
                  ('small', 0.35): (1.67, 14.56), ('small', 1.25): (3.64, 100.07)}


class PaddleCase(NamedTuple):
    path: str  # the .pdparams
    model: 'paddle.nn.Layer'
    logits: np.ndarray  # Paddle's logits on ``inputs``


def randomize_affine(model, seed: int) -> None:
    """Random BN scale/shift and conv/FC biases (Paddle initialises them to 1 and 0), so that
    a bias or BN-affine conversion error shows in the logits."""
    rng = np.random.default_rng(seed)
    for name, param in model.state_dict().items():
        if name.endswith('bn.weight'):
            value = rng.uniform(0.5, 1.5, param.shape)
        elif name.endswith('bias'):
            value = rng.normal(0, 0.1, param.shape)
        else:
            continue
        param.set_value(value.astype('float32'))


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    """torch with one thread: with paddle loaded in the process (their OpenMP runtimes clash,
    spec/ENVIRONMENT.md) torch's two-thread forwards ran 10x slower here (2.7 s vs 0.17 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def inputs() -> Tuple[np.ndarray, np.ndarray]:
    """Crops of real photographs: 8 to set BN statistics, 2 others to compare logits on."""
    images = load_images(PHOTOS)
    return random_crops(images, 8, seed=0), random_crops(images, 2, seed=1)


@pytest.fixture(scope='module')
def paddle_cases(tmp_path_factory, inputs) -> Dict[Tuple[str, float], PaddleCase]:
    """The six PaddleClas classifiers: seeded random weights, BN statistics of real images."""
    mobilenet_v3 = import_paddleclas_mobilenet_v3()
    calibration, evaluation = inputs
    folder = tmp_path_factory.mktemp('paddle_mobilenet_v3')
    cases = {}
    for i, ((arch, width), name) in enumerate(MODELS.items()):
        paddle.seed(i)
        model = getattr(mobilenet_v3, name)(class_num=1000)
        randomize_affine(model, seed=i)
        set_paddle_bn_statistics(model, calibration)
        path = str(folder / f'{name}.pdparams')
        paddle.save(model.state_dict(), path)
        with paddle.no_grad():
            logits = model(paddle.to_tensor(evaluation)).numpy()
        cases[(arch, width)] = PaddleCase(path, model, logits)
    return cases


def convert(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, CLI, *args], capture_output=True, text=True,
                          cwd=ROOT)


def convert_in_process(*args: str) -> Tuple[int, str, str]:
    """The CLI's ``main`` in this process (a subprocess costs seconds of imports)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main_mobilenet_v3(list(args))
    return code, out.getvalue(), err.getvalue()


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def paddle_params(model, with_bn_statistics: bool = False) -> int:
    """Paddle's parameter count; Paddle keeps BN statistics as (frozen) parameters."""
    return sum(int(np.prod(p.shape)) for n, p in model.named_parameters()
               if with_bn_statistics or not n.endswith(('._mean', '._variance')))


def paddle_flops_offset(model: torch.nn.Module) -> int:
    """``paddle.flops`` of PaddleClas' network minus our count (mmengine's FlopAnalyzer).

    paddle.flops (paddle/hapi/dynamic_flops.py) finds a layer's count function by its exact type;
    PaddleClas' pools are its own ``AdaptiveAvgPool2D`` subclass (custom_devices_layers.py), so
    paddle.flops counts them as 0 where FlopAnalyzer counts one op per input element (SE squeezes
    and the final pool). paddle.flops adds one op per output element of a conv with a bias (SE's
    two 1x1 convs), FlopAnalyzer none. Both count conv and FC MACs, two ops per BN element and
    nothing for activations, SE products and residual sums.
    """
    counts = {'pool': 0, 'bias': 0}

    def count(kind: str, numel: Callable[[tuple, torch.Tensor], int]):
        def hook(module, args, output):
            counts[kind] += numel(args, output)
        return hook

    handles = [m.register_forward_hook(count('pool', lambda a, o: a[0].numel()))
               for m in model.modules() if isinstance(m, torch.nn.AdaptiveAvgPool2d)]
    handles += [m.register_forward_hook(count('bias', lambda a, o: o.numel()))
                for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.bias is not None]
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, 224, 224), mode='tensor')
    finally:
        for handle in handles:
            handle.remove()
    return counts['bias'] - counts['pool']


@pytest.mark.parametrize('arch, width', list(MODELS), ids=list(MODELS.values()))
def test_converted_classifier_matches_paddleclas(paddle_cases, inputs, tmp_path, arch, width):
    case = paddle_cases[(arch, width)]
    dst = str(tmp_path / 'converted.pth')
    code, out, err = convert_in_process(case.path, dst)
    assert code == 0, err
    assert out == f'wrote {dst}: MobileNetV3-{arch}-{width}x, {len(load_state_dict(dst))} ' \
        'tensors, 1000 classes\n'

    model = build_mobilenet_v3_classifier(arch, width)
    model.load_state_dict(load_state_dict(dst), strict=True)
    model.eval()
    with torch.no_grad():
        ours = model(torch.from_numpy(inputs[1]), mode='tensor').numpy()
    rel = np.abs(ours - case.logits).max() / np.abs(case.logits).max()
    # measured: 5e-7 to 8e-7; BN eps 1e-3 instead of Paddle's 1e-5 gives 1.6e-4
    assert rel < 1e-5, f'{arch} {width}: relative error {rel:.2e}'

    size = measure_complexity(model, (3, 224, 224))
    assert size.params == paddle_params(case.model)
    with contextlib.redirect_stdout(io.StringIO()):  # paddle.flops prints a line per layer type
        paddle_flops = paddle.flops(case.model, [1, 3, 224, 224])
    assert paddle_flops == size.macs + paddle_flops_offset(model)
    # PaddleClas' model zoo (and the paper's Table 3) counts BN statistics as parameters
    bn_statistics = sum(b.numel() for n, b in model.named_buffers() if n.endswith(
        ('running_mean', 'running_var')))
    assert size.params + bn_statistics == paddle_params(case.model, with_bn_statistics=True)
    zoo_params_m, zoo_macs_m = PADDLECLAS_ZOO[(arch, width)]
    assert round((size.params + bn_statistics) / 1e6, 2) == zoo_params_m
    # FlopAnalyzer's MACs are the zoo's to 0.02 M (0.01%: the zoo's counter is not published)
    assert abs(size.macs_m - zoo_macs_m) <= 0.02, (size.macs_m, zoo_macs_m)
    if arch == 'large':
        assert PAPER_SIZE[width] == (zoo_params_m, round(zoo_macs_m, 1))


def test_cli_script_and_backbone_only(paddle_cases, inputs, tmp_path):
    """The script itself (a subprocess), and --backbone-only weights loading strictly into the
    detection/segmentation backbone, whose features are Paddle's."""
    case = paddle_cases[('large', 0.5)]
    dst = str(tmp_path / 'backbone.pth')
    result = convert(case.path, dst, '--backbone-only', '--arch', 'large',
                     '--widen-factor', '0.5')
    assert result.returncode == 0, result.stderr
    saved = load_state_dict(dst)
    assert result.stdout == f'wrote {dst}: MobileNetV3-large-0.5x, {len(saved)} tensors, ' \
        '1000 classes (backbone only)\n'
    assert all(k.startswith('backbone.') and 'last_second_conv' not in k for k in saved)

    strict = PaddleMobileNetV3('large', 0.5, out_indices=(1, 4))
    strict.load_state_dict({k[len('backbone.'):]: v for k, v in saved.items()}, strict=True)
    backbone = PaddleMobileNetV3('large', 0.5, out_indices=(1, 4), init_cfg=dict(
        type='Pretrained', prefix='backbone.', checkpoint=dst))
    backbone.init_weights()
    for key, value in strict.state_dict().items():
        assert torch.equal(backbone.state_dict()[key], value), key
    backbone.eval()
    x = inputs[1]
    with torch.no_grad():
        low, high = backbone(torch.from_numpy(x))
        blocks = case.model.blocks
        stride4 = blocks[:3](case.model.conv(paddle.to_tensor(x)))
        stride32 = blocks[3:](stride4)
    for ours, theirs in ((low, stride4), (high, stride32)):
        theirs = theirs.numpy()
        assert np.abs(ours.numpy() - theirs).max() / np.abs(theirs).max() < 1e-4


@pytest.mark.parametrize('arch, width', [('large', 0.75), ('small', 1.25)])
def test_backbone_key_maps_every_feature_parameter(paddle_cases, arch, width):
    """mobilenet_v3_backbone_key (used for PaddleSeg's copy too) names each parameter of
    PaddleMobileNetV3's feature backbone once, with Paddle's shape; None for the classifier."""
    theirs = {k: tuple(v.shape) for k, v in paddle_cases[(arch, width)].model.state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in PaddleMobileNetV3(arch, width).state_dict().items()
            if not k.endswith('num_batches_tracked')}
    mapped = {mobilenet_v3_backbone_key(k): shape for k, shape in theirs.items()}
    unmapped = sorted(k for k in theirs if mobilenet_v3_backbone_key(k) is None)
    assert all(k.startswith(('last_second_conv.', 'last_conv.', 'fc.')) for k in unmapped)
    assert len(unmapped) == 8  # last_second_conv conv + 4 BN tensors, last_conv, fc weight/bias
    mapped.pop(None)
    assert mapped == ours


def one_line_error(result: Tuple[int, str, str], dst: str) -> str:
    code, out, err = result
    assert code == 2 and out == '', (code, out, err)
    message = err.strip()
    assert message.startswith('error: ') and '\n' not in message, message
    assert not os.path.exists(dst)
    return message


@pytest.mark.parametrize('args, expected', [
    (['--widen-factor', '0.5'], ['does not fit MobileNetV3-large-0.5x', 'shape mismatches',
                                 'backbone.blocks.1.expand_conv.conv.weight: checkpoint '
                                 '(24, 8, 1, 1) vs model (32, 8, 1, 1)']),
    (['--arch', 'small'], ['does not fit MobileNetV3-small (any width)', 'unexpected keys',
                           'backbone.blocks.11.']),
    (['--dropout-rate', '1'], ['dropout rate must be in [0, 1), got 1.0']),
    (['--arch', 'large', '--widen-factor', '0.35', '--dropout-rate', '0'], []),
])
def test_wrong_arch_or_width_names_keys_and_shapes(paddle_cases, tmp_path, args, expected):
    src = paddle_cases[('large', 0.35)].path
    dst = str(tmp_path / 'x.pth')
    if not expected:  # the right ones pass
        code, out, err = convert_in_process(src, dst, *args)
        assert code == 0 and 'MobileNetV3-large-0.35x' in out, err
        return
    message = one_line_error(convert_in_process(src, dst, *args), dst)
    assert all(part in message for part in expected), message


def test_truncated_file_unwritable_output_and_other_networks(paddle_cases, tmp_path):
    dst = str(tmp_path / 'x.pth')
    src = paddle_cases[('small', 0.35)].path
    truncated = tmp_path / 'truncated.pdparams'
    data = open(src, 'rb').read()
    truncated.write_bytes(data[:len(data) // 2])
    message = one_line_error(convert_in_process(str(truncated), dst), dst)
    assert 'truncated' in message and str(truncated) in message

    headless = str(tmp_path / 'headless.pdparams')
    paddle.save({k: v for k, v in paddle_cases[('small', 0.35)].model.state_dict().items()
                 if not k.startswith('fc.')}, headless)
    message = one_line_error(convert_in_process(headless, dst), dst)
    assert message.endswith('is not a complete PaddleClas MobileNetV3 classifier: missing '
                            'fc.weight, fc.bias')

    code, _, err = convert_in_process(src, str(tmp_path))  # a folder: cannot write there
    assert code == 2 and err == f'error: cannot write {tmp_path}: Is a directory\n', err

    pplcnet = import_paddleclas_pplcnet().PPLCNet(scale=0.25, class_num=1000)
    src = str(tmp_path / 'pplcnet.pdparams')
    paddle.save(pplcnet.state_dict(), src)
    message = one_line_error(convert_in_process(src, dst), dst)
    assert 'is not a PaddleClas MobileNetV3 checkpoint' in message
    assert 'unknown keys' in message and 'conv1.conv.weight' in message


def test_unlisted_width_is_inferred_only_when_given(paddle_cases, tmp_path):
    """A width outside PaddleClas' five converts with --widen-factor, and names the widths tried
    without it."""
    paddle.seed(7)
    mobilenet_v3 = import_paddleclas_mobilenet_v3()
    model = mobilenet_v3.MobileNetV3(mobilenet_v3.NET_CONFIG['small'], scale=2.0,
                                     stages_pattern=[], class_squeeze=576)
    src = str(tmp_path / 'small_x2.pdparams')
    paddle.save(model.state_dict(), src)
    dst = str(tmp_path / 'x.pth')
    message = one_line_error(convert_in_process(src, dst), dst)
    assert 'any of the widths (0.35, 0.5, 0.75, 1.0, 1.25)' in message and 'MobileNetV3-small' \
        in message and 'shape mismatches' in message
    code, out, _ = convert_in_process(src, dst, '--widen-factor', '2')
    assert code == 0 and 'MobileNetV3-small-2.0x' in out
