"""Reader operators equal the authors' for the same random draws (issue 29, item 3).

Each training augmentation of the three readers and each evaluation resize is run on a small
real photo by the upstream operator and by the one our configs name, with the random draws
fixed on both sides (the same seed where both draw the same values from the same generator in
the same order, otherwise the decision or order forced on both), and the outputs are compared.
All are pixel-identical (resize kernels are OpenCV's on both sides), boxes and label maps equal.

References:
- detection: ``ppdet/data/transform/operators.py`` (``RandomCrop``, ``RandomFlip``,
  ``RandomDistort``, ``Resize``) and ``batch_operators.py`` (``BatchRandomResize``) of the
  installed paddledet 2.6.0 wheel, set as PaddleDetection's ``configs/picodet/_base_/
  picodet_416_reader.yml`` (1fa998be68) sets them;
- segmentation: ``paddleseg/transforms/transforms.py`` (``ResizeStepScaling``,
  ``RandomPaddingCrop``, ``RandomHorizontalFlip``, ``RandomDistort``) of the paddleseg 2.8.0
  wheel, set as PaddleSeg's ``configs/_base_/cityscapes.yml`` sets them;
- classification: the paddleclas 2.6.0 wheel lacks ``ppcls/data``; its operators'
  arithmetic (``RandCropImage``, ``RandFlipImage``, ``ResizeImage``, ``CropImage`` of
  ``ppcls/data/preprocess/ops/operators.py`` at d6892e564, PaddleClas' release/2.6 commit, as
  ``ppcls/configs/ImageNet/PPLCNet/PPLCNet_x1_0.yaml`` sets them) is embedded below.
"""
import paddle  # noqa: F401  first: Paddle runs much slower when torch was imported before it

import math
import os
import random

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import FUNCTIONS

import pplc_vision  # noqa: F401  (registers the transforms)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = range(12)


def config(path: str) -> Config:
    return Config.fromfile(os.path.join(ROOT, path))


def pipeline_step(pipeline, type_name: str) -> dict:
    step, = [dict(t) for t in pipeline if t['type'] == type_name]
    return step


@pytest.fixture(scope='module')
def voc():
    """data/demo_coco's voc.jpg at a quarter of its size (125x94, RGB) with its 19 boxes."""
    import json
    with open(os.path.join(ROOT, 'data/demo_coco/annotations.json')) as f:
        coco = json.load(f)
    image = cv2.imread(os.path.join(ROOT, 'data/demo_coco/images/voc.jpg'))
    small = cv2.resize(image, (125, 94), interpolation=cv2.INTER_AREA)[..., ::-1].copy()
    anns = [a for a in coco['annotations'] if a['image_id'] == 1]
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in anns)],
                     np.float32) * np.float32(125 / 500)
    labels = np.array([a['category_id'] for a in anns], np.int64)
    return small, boxes, labels


@pytest.fixture(scope='module')
def street():
    """data/demo_cityscapes' 640x427 photo and its label map (train ids and 255) at 128x96."""
    stem = 'skimage/skimage_000000_000001'
    image = cv2.imread(os.path.join(ROOT, f'data/demo_cityscapes/leftImg8bit/train/{stem}'
                                          '_leftImg8bit.png'))
    label = cv2.imread(os.path.join(ROOT, f'data/demo_cityscapes/gtFine/train/{stem}'
                                          '_gtFine_labelTrainIds.png'), cv2.IMREAD_UNCHANGED)
    image = cv2.resize(image, (128, 96), interpolation=cv2.INTER_AREA)[..., ::-1].copy()
    label = cv2.resize(label, (128, 96), interpolation=cv2.INTER_NEAREST)
    assert 255 in label and len(np.unique(label)) >= 3
    return image, label


# ------------------------------------------------------------------------------ detection
DET_CONFIG = 'configs/det/picodet-csppan_pplcnet_1x_coco.py'


@pytest.fixture(scope='module')
def det_cfg():
    return config(DET_CONFIG)


def mmdet_results(rgb: np.ndarray, boxes: np.ndarray, labels: np.ndarray) -> dict:
    from mmdet.structures.bbox import HorizontalBoxes
    return dict(img=rgb[..., ::-1].copy(), img_shape=rgb.shape[:2], ori_shape=rgb.shape[:2],
                gt_bboxes=HorizontalBoxes(torch.from_numpy(boxes.copy())),
                gt_bboxes_labels=labels.copy(), gt_ignore_flags=np.zeros(len(labels), bool))


def ppdet_sample(rgb: np.ndarray, boxes: np.ndarray, labels: np.ndarray) -> dict:
    return dict(image=rgb.copy(), gt_bbox=boxes.copy(), gt_class=labels[:, None].copy())


def assert_det_equal(ours: dict, theirs: dict) -> None:
    """BGR image, boxes and labels of ours equal upstream's RGB image, boxes and classes."""
    np.testing.assert_array_equal(ours['img'][..., ::-1], theirs['image'])
    np.testing.assert_array_equal(ours['gt_bboxes'].numpy(), theirs['gt_bbox'])
    np.testing.assert_array_equal(ours['gt_bboxes_labels'], theirs['gt_class'][:, 0])


def test_det_train_pipeline_uses_upstream_operators(det_cfg):
    """The CSP-PAN reader: upstream's crop, flip and distortion with its settings, then one
    random size of 352..480 and interpolation per batch (picodet_416_reader.yml)."""
    types = [t['type'] for t in det_cfg.train_pipeline]
    assert types[2:5] == ['PaddleDetRandomCrop', 'RandomFlip', 'PaddleDetRandomDistort']
    assert 'Resize' not in types and det_cfg.model.data_preprocessor.batch_augments is None
    collate = det_cfg.train_dataloader.collate_fn
    assert collate['type'] == 'batch_random_resize_collate'
    assert list(collate['sizes']) == [352, 384, 416, 448, 480] and collate['random_interp']


def run_both(det_cfg, voc, seed: int, step_type: str, upstream) -> tuple:
    """The config's ``step_type`` and the upstream operator on the photo, each from ``seed``:
    our results, upstream's sample, and whether both drew as many numbers."""
    from mmdet.registry import TRANSFORMS
    rgb, boxes, labels = voc
    ours = TRANSFORMS.build(pipeline_step(det_cfg.train_pipeline, step_type))
    np.random.seed(seed)
    theirs = upstream(ppdet_sample(rgb, boxes, labels))
    after_theirs = np.random.rand()
    np.random.seed(seed)
    result = ours(mmdet_results(rgb, boxes, labels))
    return result, theirs, np.random.rand() == after_theirs


@pytest.mark.parametrize('seed', SEEDS)
def test_det_random_crop_equals_ppdet(voc, det_cfg, seed):
    from ppdet.data.transform.operators import RandomCrop
    result, theirs, same_draws = run_both(det_cfg, voc, seed, 'PaddleDetRandomCrop',
                                          RandomCrop())
    assert_det_equal(result, theirs)
    assert same_draws


def test_det_random_crop_cases_are_covered(voc):
    """The seeds above reach both outcomes: crops (boxes dropped and clipped) and no crop."""
    from ppdet.data.transform.operators import RandomCrop
    rgb, boxes, labels = voc
    shapes = set()
    for seed in SEEDS:
        np.random.seed(seed)
        shapes.add(RandomCrop()(ppdet_sample(rgb, boxes, labels))['image'].shape)
    assert rgb.shape in shapes and len(shapes) >= 6


@pytest.mark.parametrize('seed', SEEDS[:4])
def test_det_random_flip_equals_ppdet(voc, det_cfg, seed):
    """mmcv's RandomFlip(prob=0.5) draws one uniform number as upstream does: same decision
    for the same seed, same image and boxes (x1' = w - x2, x2' = w - x1)."""
    from ppdet.data.transform.operators import RandomFlip
    result, theirs, same_draws = run_both(det_cfg, voc, seed, 'RandomFlip', RandomFlip(0.5))
    assert_det_equal(result, theirs)
    assert result['flip'] == theirs.get('flipped', False) and same_draws


@pytest.mark.parametrize('seed', SEEDS)
def test_det_random_distort_equals_ppdet(voc, det_cfg, seed):
    """Float32 results equal to the bit (values beyond 0..255 kept, as upstream)."""
    from ppdet.data.transform.operators import RandomDistort
    result, theirs, same_draws = run_both(det_cfg, voc, seed, 'PaddleDetRandomDistort',
                                          RandomDistort())
    assert result['img'].dtype == theirs['image'].dtype and same_draws
    np.testing.assert_array_equal(result['img'][..., ::-1], theirs['image'])


def test_det_random_distort_changes_images(voc, det_cfg):
    from mmdet.registry import TRANSFORMS
    rgb, boxes, labels = voc
    ours = TRANSFORMS.build(pipeline_step(det_cfg.train_pipeline, 'PaddleDetRandomDistort'))
    changed = 0
    for seed in SEEDS:
        np.random.seed(seed)
        changed += not np.array_equal(ours(mmdet_results(rgb, boxes, labels))['img'],
                                      rgb[..., ::-1])
    assert changed >= len(SEEDS) // 2


def test_det_batch_random_resize_equals_ppdet(voc, det_cfg):
    """One size and interpolation per batch: each of the five interpolations is met over the
    seeds; images (float32 after the distortion or 8-bit) and boxes equal."""
    from mmdet.registry import TRANSFORMS
    from ppdet.data.transform.batch_operators import BatchRandomResize

    from pplc_vision.datasets.det_transforms import (RANDOM_INTERPOLATIONS,
                                                     draw_batch_size_and_interpolation)
    rgb, boxes, labels = voc
    collate_cfg = dict(det_cfg.train_dataloader.collate_fn)
    collate = FUNCTIONS.get(collate_cfg.pop('type'))
    pack = TRANSFORMS.build(dict(type='PackDetInputs'))
    crop = TRANSFORMS.build(dict(type='PaddleDetRandomCrop'))
    distorted = voc[0].astype(np.float32) * 1.3 - 20  # a distorted image's range
    interps = set()
    for seed in range(16):
        np.random.seed(seed)
        cropped = crop(mmdet_results(rgb, boxes, labels))
        batch = [cropped, mmdet_results(distorted, boxes, labels)]
        theirs = [dict(image=b['img'][..., ::-1].copy(), gt_bbox=b['gt_bboxes'].numpy().copy())
                  for b in batch]
        state = np.random.get_state()
        theirs = BatchRandomResize(target_size=list(collate_cfg['sizes']), keep_ratio=False,
                                   random_size=True, random_interp=True)(theirs)
        np.random.set_state(state)
        interps.add(draw_batch_size_and_interpolation(collate_cfg['sizes'], True, 0)[1])
        np.random.set_state(state)
        ours = collate([pack(dict(b, img_id=0, img_path='', scale_factor=(1., 1.)))
                        for b in batch], **collate_cfg)
        for image, sample, ref in zip(ours['inputs'], ours['data_samples'], theirs):
            np.testing.assert_array_equal(image.permute(1, 2, 0).numpy()[..., ::-1],
                                          ref['image'])
            np.testing.assert_array_equal(sample.gt_instances.bboxes.numpy(), ref['gt_bbox'])
            assert sample.img_shape == ref['image'].shape[:2]
    assert interps == set(RANDOM_INTERPOLATIONS)


def test_det_eval_resize_equals_ppdet(voc, det_cfg):
    """Evaluation: 416x416 without keeping the ratio, bicubic (upstream ``interp: 2``)."""
    from mmdet.registry import TRANSFORMS
    from ppdet.data.transform.operators import Resize
    rgb = voc[0]
    ours = TRANSFORMS.build(pipeline_step(det_cfg.test_pipeline, 'Resize'))
    theirs = Resize(target_size=[416, 416], keep_ratio=False, interp=2)(dict(image=rgb.copy()))
    result = ours(dict(img=rgb[..., ::-1].copy()))
    np.testing.assert_array_equal(result['img'][..., ::-1], theirs['image'])


# ------------------------------------------------------------------------------ segmentation
SEG_CONFIG = 'configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py'


@pytest.fixture(scope='module')
def seg_cfg():
    return config(SEG_CONFIG)


def mmseg_results(rgb: np.ndarray, label: np.ndarray) -> dict:
    return dict(img=rgb[..., ::-1].copy(), gt_seg_map=label.copy(), seg_fields=['gt_seg_map'],
                img_shape=rgb.shape[:2])


def paddleseg_data(rgb: np.ndarray, label: np.ndarray) -> dict:
    return dict(img=rgb.copy(), label=label.copy(), gt_fields=['label'])


def assert_seg_equal(ours: dict, theirs: dict) -> None:
    np.testing.assert_array_equal(ours['img'][..., ::-1], theirs['img'])
    np.testing.assert_array_equal(ours['gt_seg_map'], theirs['label'])


@pytest.mark.parametrize('index', range(7))
def test_seg_scaling_equals_paddleseg_at_cityscapes_size(street, seg_cfg, index, monkeypatch):
    """ResizeStepScaling(0.5, 2.0, 0.25) and the config's RandomChoiceResize give the same
    image and label map for the same factor on a 2048x1024 image (Cityscapes' size; on other
    sizes mmseg's keep-ratio scale would differ): bilinear image, nearest labels, OpenCV."""
    from mmseg.registry import TRANSFORMS
    from paddleseg.transforms import ResizeStepScaling
    image = cv2.resize(street[0], (2048, 1024), interpolation=cv2.INTER_LINEAR)
    label = cv2.resize(street[1], (2048, 1024), interpolation=cv2.INTER_NEAREST)
    factors = np.linspace(0.5, 2.0, 7).tolist()
    monkeypatch.setattr(np.random, 'shuffle', lambda x: x.insert(0, x.pop(index)))
    theirs = ResizeStepScaling(0.5, 2.0, 0.25)(paddleseg_data(image, label))
    monkeypatch.setattr(np.random, 'randint', lambda *args, **kwargs: index)
    ours = TRANSFORMS.build(pipeline_step(seg_cfg.train_pipeline, 'RandomChoiceResize'))
    result = ours(mmseg_results(image, label))
    assert theirs['img'].shape[:2] == (int(1024 * factors[index]), int(2048 * factors[index]))
    assert_seg_equal(result, theirs)


@pytest.mark.parametrize('seed', SEEDS[:6])
def test_seg_random_crop_equals_paddleseg(street, seed):
    """RandomPaddingCrop and mmseg's RandomCrop draw the top, then the left offset from numpy:
    same crop for the same seed (the config's 1024x512 crop on a picture at least that big;
    here 64x48 of a 128x96 picture)."""
    from mmseg.registry import TRANSFORMS
    from paddleseg.transforms import RandomPaddingCrop
    np.random.seed(seed)
    theirs = RandomPaddingCrop(crop_size=(64, 48))(paddleseg_data(*street))
    np.random.seed(seed)
    result = TRANSFORMS.build(dict(type='RandomCrop', crop_size=(48, 64)))(
        mmseg_results(*street))
    assert_seg_equal(result, theirs)


def test_seg_random_crop_of_a_small_picture_equals_paddleseg_after_normalising(street, seg_cfg):
    """A picture smaller than the crop (never at Cityscapes' scales, whose smallest is the
    crop's size): PaddleSeg pads the 8-bit image with 127.5 (OpenCV stores 128) and labels with
    255 before cropping; mmseg crops what there is and the data preprocessor pads with 0 after
    normalising by 127.5 (= 127.5): the same picture and labels, padding half a grey level
    apart (within 1 grey level)."""
    from mmseg.registry import MODELS, TRANSFORMS
    from paddleseg.transforms import RandomPaddingCrop
    rgb, label = street[0][:40], street[1][:40]
    np.random.seed(0)
    theirs = RandomPaddingCrop(crop_size=(64, 48))(paddleseg_data(rgb, label))
    np.random.seed(0)
    result = TRANSFORMS.build(dict(type='RandomCrop', crop_size=(48, 64)))(
        mmseg_results(rgb, label))
    packed = TRANSFORMS.build(dict(type='PackSegInputs'))(result)
    preprocessor = MODELS.build(dict(seg_cfg.model.data_preprocessor, size=(48, 64)))
    data = preprocessor(dict(inputs=[packed['inputs']], data_samples=[packed['data_samples']]),
                        training=True)
    ours = data['inputs'][0].permute(1, 2, 0).numpy() * 127.5 + 127.5  # grey levels
    np.testing.assert_allclose(ours[:40], theirs['img'][:40], atol=1e-4)
    assert np.all(theirs['img'][40:] == 128)
    np.testing.assert_allclose(ours[40:], 127.5, atol=1e-4)
    np.testing.assert_array_equal(data['data_samples'][0].gt_sem_seg.data[0].numpy(),
                                  theirs['label'])


@pytest.mark.parametrize('flip', [True, False])
def test_seg_random_flip_equals_paddleseg(street, seg_cfg, flip, monkeypatch):
    """PaddleSeg decides with Python's ``random``, mmcv with numpy: the decision is forced on
    both; then image and labels equal."""
    import paddleseg.transforms.transforms as upstream
    from mmseg.registry import TRANSFORMS
    monkeypatch.setattr(upstream.random, 'random', lambda: 0.0 if flip else 0.99)
    theirs = upstream.RandomHorizontalFlip(prob=0.5)(paddleseg_data(*street))
    ours = TRANSFORMS.build(pipeline_step(seg_cfg.train_pipeline, 'RandomFlip'))
    monkeypatch.setattr(ours, '_choose_direction', lambda: 'horizontal' if flip else None)
    assert_seg_equal(ours(mmseg_results(*street)), theirs)


@pytest.mark.parametrize('order', [('hue', 'saturation', 'brightness', 'contrast', 'sharpness'),
                                   ('contrast', 'sharpness', 'hue', 'brightness', 'saturation')])
@pytest.mark.parametrize('seed', SEEDS[:4])
def test_seg_random_distort_equals_paddleseg(street, seg_cfg, order, seed, monkeypatch):
    """The whole RandomDistort with the Cityscapes settings: PaddleSeg shuffles the operations
    with Python's ``random``, ours with numpy; the order is forced on both, then the
    probabilities and factors come from the same numpy seed."""
    import paddleseg.transforms.transforms as upstream
    from mmseg.registry import TRANSFORMS
    step = pipeline_step(seg_cfg.train_pipeline, 'PaddleSegRandomDistort')
    ranges = {k: v for k, v in step.items() if k.endswith('_range')}
    monkeypatch.setattr(upstream.random, 'shuffle',
                        lambda ops: ops.sort(key=lambda op: order.index(op.__name__)))
    np.random.seed(seed)
    theirs = upstream.RandomDistort(**ranges)(paddleseg_data(*street))
    ours = TRANSFORMS.build(step)
    names = list(ours.ranges)
    monkeypatch.setattr(np.random, 'permutation',
                        lambda n: np.array([names.index(name) for name in order]))
    np.random.seed(seed)
    result = ours(mmseg_results(*street))
    np.testing.assert_array_equal(result['img'][..., ::-1], theirs['img'].astype(np.uint8))
    np.testing.assert_array_equal(result['gt_seg_map'], street[1])


def test_seg_eval_keeps_cityscapes_images(seg_cfg):
    """PaddleSeg evaluates Cityscapes at full size, without a resize; the config's Resize to
    (2048, 1024) keeping the ratio leaves a 2048x1024 image as it is."""
    from mmseg.registry import TRANSFORMS
    image = np.random.RandomState(0).randint(0, 256, (1024, 2048, 3), np.uint8)
    result = TRANSFORMS.build(pipeline_step(seg_cfg.test_pipeline, 'Resize'))(dict(img=image))
    np.testing.assert_array_equal(result['img'], image)


# ------------------------------------------------------------------------------ classification
CLS_CONFIG = 'configs/cls/pplcnet_1x_in1k.py'


def upstream_rand_crop_image(img: np.ndarray, size: int) -> np.ndarray:
    """PaddleClas' RandCropImage(size) (operators.py at d6892e564, use_log_aspect False, cv2
    backend, interpolation None: OpenCV's default, bilinear), with Python's ``random``."""
    aspect_ratio = random.uniform(3. / 4., 4. / 3.)
    img_h, img_w = img.shape[:2]
    bound = min((float(img_w) / img_h) / aspect_ratio, (float(img_h) / img_w) * aspect_ratio)
    target_area = img_w * img_h * random.uniform(min(0.08, bound), min(1.0, bound))
    w = int(math.sqrt(target_area * aspect_ratio))
    h = int(math.sqrt(target_area / aspect_ratio))
    i = random.randint(0, img_w - w)
    j = random.randint(0, img_h - h)
    return cv2.resize(img[j:j + h, i:i + w, :], (size, size))


def upstream_resize_short_crop(img: np.ndarray, short: int, size: int) -> np.ndarray:
    """PaddleClas' ResizeImage(resize_short) then CropImage(size) (operators.py at d6892e564):
    the other side ``int(round(side * short / min(h, w)))``, bilinear; offsets floored."""
    img_h, img_w = img.shape[:2]
    percent = float(short) / min(img_w, img_h)
    w, h = int(round(img_w * percent)), int(round(img_h * percent))
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    w_start, h_start = (w - size) // 2, (h - size) // 2
    return img[h_start:h_start + size, w_start:w_start + size, :]


@pytest.fixture(scope='module')
def cls_cfg():
    return config(CLS_CONFIG)


def test_cls_pipelines_use_paddleclas_operators(cls_cfg):
    """PPLCNet_x1_0.yaml: RandCropImage(224), RandFlipImage(1); ResizeImage(256),
    CropImage(224)."""
    train = [t['type'] for t in cls_cfg.train_dataloader.dataset.pipeline]
    assert train[1:3] == ['PaddleClasRandCropImage', 'RandomFlip']
    test = [t['type'] for t in cls_cfg.val_dataloader.dataset.pipeline]
    assert test[1:3] == ['PaddleClasResizeShort', 'PaddleClasCenterCrop']


@pytest.mark.parametrize('seed', SEEDS)
def test_cls_random_crop_equals_paddleclas(voc, cls_cfg, seed):
    from mmpretrain.registry import TRANSFORMS
    rgb = voc[0]
    step = pipeline_step(cls_cfg.train_dataloader.dataset.pipeline, 'PaddleClasRandCropImage')
    random.seed(seed)
    theirs = upstream_rand_crop_image(rgb, 224)
    random.seed(seed)
    result = TRANSFORMS.build(step)(dict(img=rgb[..., ::-1].copy()))
    np.testing.assert_array_equal(result['img'][..., ::-1], theirs)
    assert result['img_shape'] == (224, 224)


def test_cls_random_crop_differs_from_mmpretrain(voc):
    """mmpretrain's RandomResizedCrop (torchvision's law) is another crop for the same seed."""
    from mmpretrain.registry import TRANSFORMS
    rgb = voc[0]
    theirs = TRANSFORMS.build(dict(type='RandomResizedCrop', scale=224))
    differ = 0
    for seed in SEEDS[:4]:
        random.seed(seed)
        np.random.seed(seed)
        expected = upstream_rand_crop_image(rgb, 224)
        differ += not np.array_equal(theirs(dict(img=rgb[..., ::-1].copy()))['img'][..., ::-1],
                                     expected)
    assert differ == 4


@pytest.mark.parametrize('flip', [True, False])
def test_cls_random_flip_equals_paddleclas(voc, cls_cfg, flip, monkeypatch):
    """RandFlipImage(flip_code=1): ``cv2.flip(img, 1)`` when ``random.randint(0, 1) == 1``;
    mmpretrain's RandomFlip(0.5, horizontal) with the decision forced."""
    from mmpretrain.registry import TRANSFORMS
    rgb = voc[0]
    theirs = cv2.flip(rgb, 1) if flip else rgb
    ours = TRANSFORMS.build(pipeline_step(cls_cfg.train_dataloader.dataset.pipeline,
                                          'RandomFlip'))
    monkeypatch.setattr(ours, '_choose_direction', lambda: 'horizontal' if flip else None)
    np.testing.assert_array_equal(ours(dict(img=rgb[..., ::-1].copy()))['img'][..., ::-1],
                                  theirs)


@pytest.mark.parametrize('shape', [(94, 125), (125, 94), (97, 131)])
def test_cls_eval_resize_and_crop_equal_paddleclas(voc, cls_cfg, shape):
    """ResizeImage(resize_short=256) + CropImage(224) on pictures whose long side rounds up
    (256 * 125 / 94 = 340.4, 256 * 131 / 97 = 345.7) and whose crop offset is odd."""
    from mmcv.transforms import Compose
    rgb = cv2.resize(voc[0], shape[::-1], interpolation=cv2.INTER_AREA)
    steps = [t for t in cls_cfg.val_dataloader.dataset.pipeline
             if t['type'] in ('PaddleClasResizeShort', 'PaddleClasCenterCrop')]
    from mmpretrain.registry import TRANSFORMS
    ours = Compose([TRANSFORMS.build(t) for t in steps])
    result = ours(dict(img=rgb[..., ::-1].copy()))
    np.testing.assert_array_equal(result['img'][..., ::-1],
                                  upstream_resize_short_crop(rgb, 256, 224))
