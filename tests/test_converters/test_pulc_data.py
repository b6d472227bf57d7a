"""The PULC configs' evaluation data: their test pipelines give, pixel for pixel, the images that
the paddleclas 2.6.0 wheel's own ``deploy/python/preprocess.py`` (``ResizeImage``,
``CropImage``, the ops of the PULC ``Infer`` transforms) gives; the ``PaddleClasList`` dataset
reads PaddleClas' label lists (single-label, tab-separated, multi-label) and names a bad line.
"""
import paddle  # noqa: F401  first: Paddle runs much slower when torch was imported before it

import importlib.util
import os
import sys
from types import ModuleType

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import pplc_vision  # noqa: F401  (registers the dataset and transforms)
from pplc_vision.datasets import PaddleClasList
from pplc_vision.references.paddleclas import paddleclas_wheel_root

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# odd sizes: the rounding of the resized long side and of the crop offset shows
PHOTOS = [os.path.join(ROOT, 'data', p) for p in (
    'demo_coco/images/voc.jpg', 'demo_coco/images/arc2017.jpg')]
# task: the Infer transforms of its ppcls/configs/PULC/<task>/PPLCNet_x1_0.yaml (PaddleClas 2.6)
INFER = {
    'person-exists': [('ResizeImage', dict(resize_short=256)), ('CropImage', dict(size=224))],
    'textline-orientation': [('ResizeImage', dict(size=[160, 80]))],
    'person-attribute': [('ResizeImage', dict(size=[192, 256]))],
    'vehicle-attribute': [('ResizeImage', dict(size=[256, 192]))],
    'table-attribute': [('ResizeImage', dict(size=[224, 224]))],
}


def load_file(name: str, path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def preprocess():
    """The wheel's ``deploy/python/preprocess.py``, loaded from its file. It imports its sibling
    ``det_preprocess`` as ``paddleclas.deploy.python.det_preprocess``, a name that does not
    resolve once the wheel's folder is on sys.path (``paddleclas`` is then its inner module):
    that sibling is loaded from its file and given that name while preprocess.py loads."""
    folder = os.path.join(paddleclas_wheel_root(), 'deploy', 'python')
    sibling = 'paddleclas.deploy.python.det_preprocess'
    saved = sys.modules.get(sibling)
    sys.modules[sibling] = load_file(sibling, os.path.join(folder, 'det_preprocess.py'))
    try:
        return load_file('paddleclas_deploy_preprocess', os.path.join(folder, 'preprocess.py'))
    finally:
        if saved is None:
            del sys.modules[sibling]
        else:
            sys.modules[sibling] = saved


@pytest.mark.parametrize('task', sorted(INFER))
def test_pipeline_gives_paddleclas_pixels(preprocess, task):
    cfg = Config.fromfile(os.path.join(ROOT, 'configs', 'cls', 'pulc',
                                       f'pplcnet_1x_pulc-{task}.py'))
    init_default_scope('mmpretrain')
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    ops = [getattr(preprocess, name)(**args) for name, args in INFER[task]]
    for photo in PHOTOS:
        theirs = cv2.imread(photo)[:, :, ::-1]  # DecodeImage(to_rgb=True)
        for op in ops:
            theirs = op(theirs)
        packed = pipeline(dict(img_path=photo))
        ours = packed['inputs'].numpy().transpose(1, 2, 0)[:, :, ::-1]  # BGR, the preprocessor
        assert ours.shape == theirs.shape, (photo, ours.shape, theirs.shape)
        np.testing.assert_array_equal(ours, theirs)


def write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_label_lists(tmp_path):
    single = PaddleClasList(write(tmp_path / 'val.txt', 'a/1.jpg 1\nb c/2.jpg 0\n\n'),
                            data_root=str(tmp_path), metainfo=dict(classes=('no', 'yes')),
                            test_mode=True)
    assert [(d['img_path'], d['gt_label']) for d in single.load_data_list()] == [
        (str(tmp_path / 'a/1.jpg'), 1), (str(tmp_path / 'b c/2.jpg'), 0)]
    tabbed = PaddleClasList(write(tmp_path / 't.txt', 'x y.jpg\t2\n'), data_root=str(tmp_path),
                            delimiter='\t', test_mode=True)
    assert tabbed.load_data_list()[0]['gt_label'] == 2
    multi = PaddleClasList(write(tmp_path / 'm.txt', 'p.jpg\t0,1,1\n'), data_root=str(tmp_path),
                           multi_label=True, metainfo=dict(classes=('a', 'b', 'c')),
                           test_mode=True)
    assert multi.load_data_list()[0]['gt_label'] == [1, 2]


@pytest.mark.parametrize('text, kwargs, message', [
    ('a.jpg 2\n', {}, r'm.txt:1: label 2 outside 0..1'),
    ('a.jpg\n', {}, r'm.txt:1: expected "<image path>'),
    ('a.jpg x\n', {}, r'm.txt:1: label \'x\' is not an integer'),
    ('a.jpg\t0,1\n', dict(multi_label=True), r'm.txt:1: 2 attribute values, expected 3'),
])
def test_bad_label_list_names_the_line(tmp_path, text, kwargs, message):
    classes = ('a', 'b', 'c') if kwargs else ('no', 'yes')
    with pytest.raises(ValueError, match=message):
        PaddleClasList(write(tmp_path / 'm.txt', text), data_root=str(tmp_path),
                       metainfo=dict(classes=classes), test_mode=True, **kwargs)
    with pytest.raises(FileNotFoundError, match='label list'):
        PaddleClasList('missing.txt', data_root=str(tmp_path), test_mode=True)
