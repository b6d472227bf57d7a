"""Segmentation label maps (pplc_vision.deploy.label_map): the same labels as mmseg's
``postprocess_result``, by a faster path where its resize is an identity."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.structures import SegDataSample

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.registry import build_model_from_config
from pplc_vision.deploy.label_map import (BLOCK_PIXELS, argmax_classes, postprocess_logits,
                                          resize_is_identity)

SEG_CONFIG = Path(__file__).resolve().parents[2] / \
    'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py'


def tied_logits(shape, seed: int = 0) -> np.ndarray:
    """Logits drawn from 5 values, so that most pixels have tied maxima."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 5, shape).astype(np.float32) / 2


def test_argmax_classes_equals_torch_argmax_with_ties_nans_and_infinities():
    width = 1900
    rows = BLOCK_PIXELS // width
    logits = tied_logits((19, 2 * rows + 3, width))  # three row blocks, the last one partial
    logits[4, rows + 1, 7] = np.nan  # second block: PyTorch's NaN rule applies there
    logits[0, rows + 2, 9] = np.nan
    logits[:, 0, :5] = -np.inf
    logits[3, 1, :5] = np.inf
    expected = torch.from_numpy(logits).argmax(0).numpy()
    got = argmax_classes(logits)
    assert got.dtype == np.int64 and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    assert got[rows + 1, 7] == 4 and got[rows + 2, 9] == 0


@pytest.mark.parametrize('classes', [1, 2, 300])
def test_argmax_classes_at_any_class_count(classes):
    logits = tied_logits((classes, 6, 11), seed=classes)
    np.testing.assert_array_equal(argmax_classes(logits),
                                  torch.from_numpy(logits).argmax(0).numpy())


def test_argmax_classes_refuses_a_map_without_classes():
    with pytest.raises(ValueError, match=r'expected \(C, H, W\) logits, got shape \(4, 4\)'):
        argmax_classes(np.zeros((4, 4), np.float32))


@pytest.fixture(scope='module')
def segmentor():
    torch.manual_seed(0)
    return build_model_from_config(Config.fromfile(str(SEG_CONFIG))).eval()


@pytest.mark.parametrize('meta,identity', [
    (dict(ori_shape=(24, 40)), True),
    (dict(ori_shape=(24, 40), padding_size=[0, 0, 0, 0], flip=False), True),
    (dict(ori_shape=(30, 50)), False),  # resized back to the original size
    (dict(ori_shape=(24, 40), flip=True, flip_direction='horizontal'), False),
    (dict(ori_shape=(20, 40), padding_size=[0, 0, 0, 4]), False),
    (dict(ori_shape=(20, 40), img_padding_size=[0, 0, 0, 4]), False),
])
def test_postprocess_logits_equals_mmseg(segmentor, meta, identity):
    logits = tied_logits((1, segmentor.decode_head.num_classes, 24, 40))
    assert resize_is_identity(logits.shape, meta) is identity
    with torch.no_grad():
        expected = segmentor.postprocess_result(torch.from_numpy(logits),
                                                [SegDataSample(metainfo=dict(meta))])[0]
    got = postprocess_logits(segmentor, logits, SegDataSample(metainfo=dict(meta)))
    assert 'seg_logits' not in got
    assert got.pred_sem_seg.data.dtype == expected.pred_sem_seg.data.dtype
    assert torch.equal(got.pred_sem_seg.data, expected.pred_sem_seg.data)
