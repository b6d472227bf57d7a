"""Bad segmentation data gives one clear error; good data in the Cityscapes layout loads."""
import shutil

import numpy as np
import pytest
from seg_helpers import write_tiny_cityscapes
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import pplc_vision  # noqa: F401
from pplc_vision.datasets.cityscapes import write_cityscapes_sample

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]


def build(root, **kwargs):
    init_default_scope('mmseg')
    cfg = dict(type='CityscapesLayoutDataset', data_root=str(root),
               data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
               pipeline=PIPELINE)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_good_data_loads(tiny_cityscapes):
    dataset = build(tiny_cityscapes)
    assert len(dataset) == 2
    sample = dataset[0]
    assert sample['inputs'].shape == (3, 128, 256)
    seg = sample['data_samples'].gt_sem_seg.data
    assert seg.shape == (1, 128, 256) and set(seg.unique().tolist()) <= set(range(19)) | {255}


def test_label_ids_outside_the_classes_are_an_error(tmp_path):
    # Cityscapes labelIds (here 26 = car, 33 = bicycle) instead of labelTrainIds
    root = write_tiny_cityscapes(tmp_path, 1, label_fn=lambda i: np.full((128, 256), 26, np.uint8))
    with pytest.raises(ValueError, match=r'has ids \[26\] outside the 19 classes.*labelTrainIds'):
        build(root)[0]


def test_ignore_id_255_is_accepted(tmp_path):
    root = write_tiny_cityscapes(tmp_path, 1, label_fn=lambda i: np.full((128, 256), 255, np.uint8))
    assert build(root)[0]['data_samples'].gt_sem_seg.data.unique().tolist() == [255]


def test_image_and_label_of_different_sizes_are_an_error(tmp_path):
    root = write_tiny_cityscapes(tmp_path, 1)
    image = np.zeros((100, 200, 3), np.uint8)
    write_cityscapes_sample(str(root), 'train', 'tiny', 'tiny_000000_000000', image,
                            np.zeros((100, 200), np.uint8))
    # overwrite the label only, with another size
    write_cityscapes_sample(str(tmp_path / 'other'), 'train', 'tiny', 'x',
                            np.zeros((90, 160, 3), np.uint8), np.zeros((90, 160), np.uint8))
    shutil.copy(tmp_path / 'other/gtFine/train/tiny/x_gtFine_labelTrainIds.png',
                root / 'gtFine/train/tiny/tiny_000000_000000_gtFine_labelTrainIds.png')
    with pytest.raises(ValueError, match=r'is 160x90 \(WxH\) but its image .* is 200x100'):
        build(root)[0]


def test_missing_gtfine_folder_is_an_error(tiny_cityscapes):
    shutil.rmtree(tiny_cityscapes / 'gtFine')
    with pytest.raises(FileNotFoundError, match=r"label folder .*gtFine/train' does not exist"):
        build(tiny_cityscapes)


def test_missing_label_file_is_an_error(tiny_cityscapes):
    next((tiny_cityscapes / 'gtFine/train/tiny').glob('*.png')).unlink()
    with pytest.raises(FileNotFoundError, match=r'1 of 2 images have no label map'):
        build(tiny_cityscapes)


def test_missing_image_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"image folder .*leftImg8bit/train' does not"):
        build(tmp_path)


def test_a_class_subset_is_remapped_and_an_own_class_set_is_not(tmp_path):
    root = write_tiny_cityscapes(tmp_path, 1, label_fn=lambda i: np.kron(
        np.array([[13, 14], [0, 255]], np.uint8), np.ones((64, 128), np.uint8)))
    subset = build(root, metainfo=dict(classes=('car', 'truck')))
    assert sorted(subset[0]['data_samples'].gt_sem_seg.data.unique().tolist()) == [0, 1, 255]
    own = build(root, metainfo=dict(classes=('background', 'car', 'truck')))
    with pytest.raises(ValueError, match=r'ids \[13, 14\] outside the 3 classes'):
        own[0]
    assert len(own.metainfo['palette']) == 3
