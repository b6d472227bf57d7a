"""Parity with the authors' segmentation code: PaddleSeg's own ``DeepLabV3P`` (the paper's
Table 5 models), converted by ``tools/model_converters/paddleseg2mmseg.py``, gives our logits.

Backbones: PaddleSeg's ``MobileNetV3_large_x0_5``/``_x0_75`` and PaddleClas' ``PPLCNet``
(0.5x, 1x) wrapped to hand DeepLabV3P its stride-4 and stride-32 features. Weights are random
(seeded), BN statistics come from real photos. Needs paddlepaddle and the paddleseg/paddleclas
wheels (test-only; ``bash tools/setup_env.sh --test``).
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import contextlib
import io
import os
import runpy
import subprocess
import sys
from typing import Dict, NamedTuple, Tuple

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from paddle_helpers import one_line_error, randomize

from pplc_vision.apis import build_model_from_config
from pplc_vision.references.paddleclas import (import_paddleclas_pplcnet,
                                               set_paddle_bn_statistics)
from pplc_vision.references.paddleseg import build_paddleseg_deeplabv3p
from pplc_vision.registry import build_in_scope

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddleseg2mmseg.py')
PHOTOS = [os.path.join(ROOT, 'data', p) for p in (
    'demo_cityscapes/leftImg8bit/val/skimage/skimage_000000_000001_leftImg8bit.png',  # rocket
    'demo_cityscapes/leftImg8bit/val/skimage/skimage_000000_000000_leftImg8bit.png',  # camera
    'demo_coco/images/voc.jpg', 'demo_coco/images/arc2017.jpg')]
NUM_CLASSES = 19
TEST_HW = (512, 1024)  # the parity input, H x W
CALIBRATION_HW = (128, 256)  # the BN-statistics batch, H x W


class Variant(NamedTuple):
    """One Table 5 model: how PaddleSeg builds it and how our config does."""
    backbone: dict  # our backbone config
    in_channels: Tuple[int, int]  # (stride 4, stride 32) channels


VARIANTS: Dict[str, Variant] = {
    'mobilenetv3-large_0.5x': Variant(
        dict(type='PaddleMobileNetV3', arch='large', widen_factor=0.5), (16, 80)),
    'mobilenetv3-large_0.75x': Variant(
        dict(type='PaddleMobileNetV3', arch='large', widen_factor=0.75), (24, 120)),
    'pplcnet_0.5x': Variant(dict(type='PPLCNet', widen_factor=0.5), (32, 256)),
    'pplcnet_1x': Variant(dict(type='PPLCNet', widen_factor=1.0), (64, 512)),
}


def model_config(variant: Variant, head: str = 'PaddleSegDeepLabV3PlusHead') -> dict:
    """Our EncoderDecoder for ``variant``: what the Table 5 configs build."""
    norm_cfg = dict(type='BN', requires_grad=True)
    if head == 'PaddleSegDeepLabV3PlusHead':
        decode_head = dict(type=head, in_channels=variant.in_channels, in_index=(0, 1),
                           channels=256, dilations=(1, 6, 12, 18), c1_channels=48)
    else:  # mmseg's own DeepLabV3+ head, which PaddleSeg checkpoints do not fit
        decode_head = dict(type=head, in_channels=variant.in_channels[1], in_index=1,
                           channels=256, dilations=(1, 6, 12, 18),
                           c1_in_channels=variant.in_channels[0], c1_channels=48)
    decode_head.update(dropout_ratio=0.1, num_classes=NUM_CLASSES, norm_cfg=norm_cfg,
                       align_corners=False,
                       loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False))
    return dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[127.5] * 3, std=[127.5] * 3,
                               bgr_to_rgb=True, pad_val=0, seg_pad_val=255),
        backbone=dict(variant.backbone, out_indices=(1, 4), norm_cfg=norm_cfg),
        decode_head=decode_head, train_cfg=dict(), test_cfg=dict(mode='whole'))


def write_config(path: str, model: dict) -> str:
    """A config file with ``model``, a Cityscapes test pipeline and a visualizer (what
    MMSegInferencer needs)."""
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]
    Config(dict(
        custom_imports=dict(imports=['pplc_vision'], allow_failed_imports=False),
        default_scope='mmseg', model=model,
        visualizer=dict(type='SegLocalVisualizer', vis_backends=[dict(type='LocalVisBackend')],
                        name='visualizer'),
        test_dataloader=dict(batch_size=1, dataset=dict(
            type='CityscapesDataset', data_root='data/cityscapes', pipeline=pipeline)),
    )).dump(path)
    return path


def read_photo(path: str, hw: Tuple[int, int]) -> np.ndarray:
    """A real photo resized to ``hw`` (H, W), BGR uint8 as cv2 and mmseg read it."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    assert image is not None, path
    return cv2.resize(image, (hw[1], hw[0]), interpolation=cv2.INTER_LINEAR)


def normalise(bgr: np.ndarray) -> np.ndarray:
    """PaddleSeg's input: RGB, (x / 255 - 0.5) / 0.5, CHW float32."""
    rgb = bgr[:, :, ::-1].astype(np.float32)
    return np.ascontiguousarray(((rgb / 255.0 - 0.5) / 0.5).transpose(2, 0, 1))


def paddle_trainable_count(model) -> int:
    """Trainable Paddle parameters, without a wrapped classifier's ``last_conv``/``fc``."""
    return sum(int(np.prod(p.shape)) for name, p in model.named_parameters()
               if not p.stop_gradient
               and not name.startswith(('backbone.last_conv.', 'backbone.fc.')))


class PaddleReference(NamedTuple):
    pdparams: str
    logits: np.ndarray  # [1, 19, H, W] at TEST_HW
    params: int


@pytest.fixture(scope='module')
def photo_bgr() -> np.ndarray:
    """The parity input: a real photo at 512 x 1024 (H x W), BGR uint8."""
    return read_photo(PHOTOS[0], TEST_HW)


@pytest.fixture(scope='module')
def photo(photo_bgr) -> np.ndarray:
    """The parity input as PaddleSeg feeds it, [1, 3, H, W]."""
    return normalise(photo_bgr)[None]


@pytest.fixture(scope='module')
def references(tmp_path_factory, photo) -> Dict[str, PaddleReference]:
    """PaddleSeg's DeepLabV3P per variant, built once: its .pdparams, logits, param count."""
    calibration = np.stack([normalise(read_photo(p, CALIBRATION_HW)) for p in PHOTOS])
    folder = tmp_path_factory.mktemp('paddleseg')
    made = {}
    for seed, name in enumerate(VARIANTS, start=1):
        paddle.seed(seed)
        backbone, _, width = name.rpartition('_')
        model = build_paddleseg_deeplabv3p(backbone, float(width[:-1]), NUM_CLASSES)
        randomize(model, seed)
        set_paddle_bn_statistics(model, calibration)
        path = str(folder / f'deeplabv3p_{name}.pdparams')
        paddle.save(model.state_dict(), path)
        with paddle.no_grad():
            logits = model(paddle.to_tensor(photo))[0].numpy()
        made[name] = PaddleReference(path, logits, paddle_trainable_count(model))
    return made


@pytest.fixture(scope='module')
def configs() -> Dict[str, str]:
    """The four Table 5 configs of this repository (the models the paper's table names)."""
    return {name: os.path.join(ROOT, 'configs', 'seg', f'deeplabv3plus_{name}_os32_cityscapes.py')
            for name in VARIANTS}


@pytest.fixture(scope='module')
def cli_main():
    """The CLI's ``main(argv) -> exit code``, run in this process."""
    return runpy.run_path(CLI, run_name='paddleseg2mmseg')['main']


@pytest.fixture(scope='module')
def converted(references, configs, cli_main, tmp_path_factory) -> Dict[str, Tuple[str, str]]:
    """Each reference converted by the CLI: ``(DST, stdout)`` per variant. The first runs as a
    program (``python tools/model_converters/paddleseg2mmseg.py ...``); the others call the same
    ``main`` in this process (a process spends ~10 s importing the OpenMMLab stack)."""
    folder = tmp_path_factory.mktemp('converted')
    out = {}
    for i, (name, reference) in enumerate(references.items()):
        argv = [reference.pdparams, str(folder / f'{name}.pth'), '--config', configs[name]]
        if i == 0:
            result = subprocess.run([sys.executable, CLI, *argv], capture_output=True,
                                    text=True, cwd=ROOT)
            assert result.returncode == 0, f'{name}: {result.stderr}'
            stdout = result.stdout
        else:
            stdout_buffer = io.StringIO()
            with contextlib.redirect_stdout(stdout_buffer):
                assert cli_main(argv) == 0, name
            stdout = stdout_buffer.getvalue()
        assert stdout.startswith(f'wrote {argv[1]}: '), stdout
        out[name] = (argv[1], stdout)
    return out


@pytest.mark.parametrize('name', list(VARIANTS))
def test_logits_match_paddleseg(references, converted, configs, photo, name):
    reference = references[name]
    dst, stdout = converted[name]
    checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['converted_from'] == 'paddleseg'
    if name.startswith('pplcnet'):  # the wrapped classifier is dropped, and said so
        assert sorted(checkpoint['meta']['dropped']) == [
            'backbone.fc.bias', 'backbone.fc.weight', 'backbone.last_conv.weight']
        assert 'dropped 3 classifier tensors' in stdout

    model = build_model_from_config(Config.fromfile(configs[name]))  # a Table 5 config
    assert model.state_dict().keys() == build_in_scope(model_config(VARIANTS[name]),
                                                       'mmseg').state_dict().keys()
    load_checkpoint(model, dst, map_location='cpu', strict=True)
    model.eval()
    ours_params = sum(p.numel() for p in model.parameters())
    print(f'{name}: params ours {ours_params} / paddle {reference.params}')
    assert ours_params == reference.params

    with torch.no_grad():
        ours = model.encode_decode(torch.from_numpy(photo),
                                   [dict(img_shape=TEST_HW, ori_shape=TEST_HW)]).numpy()
    theirs = reference.logits
    assert ours.shape == theirs.shape == (1, NUM_CLASSES) + TEST_HW
    rel = np.abs(ours - theirs).max() / np.abs(theirs).max()
    agree = (ours.argmax(1) == theirs.argmax(1)).mean()
    print(f'{name}: max rel. error {rel:.2e}, argmax agreement {agree:.6f}')
    assert rel < 1e-4, f'{name}: relative error {rel:.2e}'
    assert agree >= 0.999, f'{name}: argmax labels agree on {agree:.4%} of pixels'
    # not a constant map: the comparison means something
    assert len(np.unique(theirs.argmax(1))) > 1


def test_inferencer_loads_the_converted_checkpoint(references, converted, configs, photo_bgr):
    """MMSegInferencer(CONFIG, DST) predicts PaddleSeg's labels, with the config's classes."""
    from mmseg.apis import MMSegInferencer
    from mmseg.datasets import CityscapesDataset
    cfg = Config.fromfile(configs['pplcnet_0.5x'])
    # the photo at the parity size: the config's own test pipeline would resize to 2048x1024
    cfg.test_dataloader.dataset.pipeline = [dict(type='LoadImageFromFile'),
                                            dict(type='PackSegInputs')]
    inferencer = MMSegInferencer(cfg, converted['pplcnet_0.5x'][0], device='cpu')
    assert list(inferencer.model.dataset_meta['classes']) == list(
        CityscapesDataset.METAINFO['classes'])
    sample = inferencer(photo_bgr, return_datasamples=True)
    labels = sample.pred_sem_seg.data[0].numpy()
    agree = (labels == references['pplcnet_0.5x'].logits[0].argmax(0)).mean()
    assert agree >= 0.999, f'inferencer labels agree on {agree:.4%} of pixels'


def test_wrong_width_names_the_shapes(references, configs, cli_main, capsys, tmp_path):
    message = one_line_error(cli_main, capsys, references['pplcnet_0.5x'].pdparams,
                             configs['pplcnet_1x'], str(tmp_path / 'x.pth'))
    assert 'does not fit config' in message and 'PPLCNet-1.0x' in message
    assert 'shape mismatches' in message and 'backbone.conv1.conv.weight' in message


def test_wrong_backbone_names_the_keys(references, configs, cli_main, capsys, tmp_path):
    message = one_line_error(cli_main, capsys, references['mobilenetv3-large_0.5x'].pdparams,
                             configs['pplcnet_0.5x'], str(tmp_path / 'x.pth'))
    assert 'missing keys: backbone.conv1.' in message
    assert 'unexpected keys: backbone.conv.' in message


def test_classifier_checkpoint_is_not_a_deeplab_one(configs, cli_main, capsys, tmp_path):
    classifier = import_paddleclas_pplcnet().PPLCNet(scale=0.5, class_num=1000)
    src = str(tmp_path / 'pplcnet_0.5x_classifier.pdparams')
    paddle.save(classifier.state_dict(), src)
    message = one_line_error(cli_main, capsys, src, configs['pplcnet_0.5x'],
                             str(tmp_path / 'x.pth'))
    assert 'is not a PaddleSeg DeepLabV3P checkpoint' in message
    assert 'unknown keys: conv1.conv.weight' in message and src in message


def test_truncated_file_is_reported(references, configs, cli_main, capsys, tmp_path):
    truncated = tmp_path / 'truncated.pdparams'
    data = open(references['pplcnet_0.5x'].pdparams, 'rb').read()
    truncated.write_bytes(data[:len(data) // 2])
    message = one_line_error(cli_main, capsys, str(truncated), configs['pplcnet_0.5x'],
                             str(tmp_path / 'x.pth'))
    assert 'truncated' in message and str(truncated) in message


def test_config_with_another_head_is_reported(references, cli_main, capsys, tmp_path):
    config = write_config(str(tmp_path / 'mmseg_head.py'), model_config(
        VARIANTS['pplcnet_0.5x'], head='DepthwiseSeparableASPPHead'))
    message = one_line_error(cli_main, capsys, references['pplcnet_0.5x'].pdparams, config,
                             str(tmp_path / 'x.pth'))
    assert 'decode_head DepthwiseSeparableASPPHead, not PaddleSegDeepLabV3PlusHead' in message


def test_head_keys_cover_paddleseg_names():
    """Every PaddleSeg head name maps, ``piontwise_conv`` [sic] included; others do not."""
    from pplc_vision.converters.paddleseg import paddleseg_head_key
    assert paddleseg_head_key('head.aspp.aspp_blocks.2.piontwise_conv._batch_norm._variance') \
        == 'decode_head.aspp_blocks.2.pointwise_conv.bn.running_var'
    assert paddleseg_head_key('head.aspp.aspp_blocks.0._conv.bias') == \
        'decode_head.aspp_blocks.0.conv.bias'
    assert paddleseg_head_key('head.aspp.global_avg_pool.1._conv.weight') == \
        'decode_head.image_pool.1.conv.weight'
    assert paddleseg_head_key('head.decoder.conv_bn_relu3.depthwise_conv._batch_norm._mean') \
        == 'decode_head.decoder_convs.1.depthwise_conv.bn.running_mean'
    assert paddleseg_head_key('head.decoder.conv.weight') == 'decode_head.conv_seg.weight'
    for name in ('head.decoder.conv_bn_relu4._conv.weight', 'head.cls.weight',
                 'head.aspp.conv_bn_relu._batch_norm.foo'):
        assert paddleseg_head_key(name) is None, name
