"""PaddleDetection's PicoDet training reader in mmdet terms: its random crop, colour distortion
and per-batch random size, drawing from numpy's global generator in PaddleDetection's order, so
that the same draws give the same pixels and boxes (tests/parity/test_reader_operators.py).

The PicoDet readers (``configs/picodet/_base_/picodet_416_reader.yml`` at 1fa998be68 for the
CSP-PAN models, ``picodet_320_reader.yml`` at 666f597fd0 for PicoDet v2) run ``RandomCrop``,
``RandomFlip``, ``RandomDistort``, then per batch ``BatchRandomResize`` (one square size and,
with ``random_interp``, one of five OpenCV interpolations per batch) and ``NormalizeImage``.
The operators are ``ppdet/data/transform/operators.py`` and ``batch_operators.py`` of the
paddledet 2.6.0 wheel (the same arithmetic at 1fa998be68). mmcv's ``RandomFlip(prob=0.5)``
flips image and boxes as ``RandomFlip`` does; mmdet's ``MinIoURandomCrop`` and
``PhotoMetricDistortion`` are other algorithms (another crop-size law; additive brightness of
up to 32 grey levels and HSV saturation in a fixed order), and its ``BatchSyncRandomResize``
resizes the normalised, padded batch bilinearly instead of each 8-bit image with the drawn
OpenCV interpolation.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS


@TRANSFORMS.register_module()
class PaddleDetRandomCrop(BaseTransform):
    """PaddleDetection's ``RandomCrop`` (the SSD crop): an IoU threshold from a shuffled list
    (``'no_crop'`` among them), then up to ``num_attempts`` crops whose best IoU with a box
    reaches it; boxes whose centre falls outside the crop are dropped, the others clipped.

    A crop's sides are ``scale / sqrt(ar)`` (height) and ``scale * sqrt(ar)`` (width) of the
    image's, ``scale ~ U(scaling)``, ``ar ~ U(max(ar_min, scale ** 2), min(ar_max, scale **
    -2))``; with ``aspect_ratio=None`` the two sides' scales are drawn apart (after a first,
    unused ``scale``, as upstream draws it) and crops beyond 1:2 are rejected. Draws (numpy's
    global generator): ``shuffle`` of the thresholds, then per attempt ``uniform`` (2 or 3) and
    ``randint`` (y, then x). Images without boxes pass unchanged.

    Args:
        aspect_ratio: ``(min, max)`` crop aspect ratio (width / height), or None.
        thresholds: IoU thresholds to choose from.
        scaling: ``(min, max)`` of the crop's side scale.
        num_attempts: Crops tried per threshold.
        allow_no_crop: Whether ``'no_crop'`` is among the choices.
        cover_all_box: Whether every box must reach the threshold.
    """

    def __init__(self,
                 aspect_ratio: Optional[Sequence[float]] = (0.5, 2.0),
                 thresholds: Sequence[float] = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9),
                 scaling: Sequence[float] = (0.3, 1.0),
                 num_attempts: int = 50,
                 allow_no_crop: bool = True,
                 cover_all_box: bool = False) -> None:
        if len(scaling) != 2 or not 0 < scaling[0] <= scaling[1] <= 1:
            raise ValueError(f'PaddleDetRandomCrop: scaling must be (min, max) in (0, 1], got '
                             f'{scaling}')
        if aspect_ratio is not None and (len(aspect_ratio) != 2 or
                                         not 0 < aspect_ratio[0] <= aspect_ratio[1]):
            raise ValueError(f'PaddleDetRandomCrop: aspect_ratio must be (min, max) > 0 or None, '
                             f'got {aspect_ratio}')
        self.aspect_ratio = None if aspect_ratio is None else tuple(aspect_ratio)
        self.thresholds = list(thresholds)
        self.scaling = tuple(scaling)
        self.num_attempts = num_attempts
        self.allow_no_crop = allow_no_crop
        self.cover_all_box = cover_all_box

    def _draw_crop(self, height: int, width: int) -> Optional[np.ndarray]:
        """One attempt's crop ``[x1, y1, x2, y2]``, or None when its shape is rejected."""
        scale = np.random.uniform(*self.scaling)
        if self.aspect_ratio is not None:
            low, high = self.aspect_ratio
            ratio = np.random.uniform(max(low, scale ** 2), min(high, scale ** -2))
            crop_h, crop_w = height * scale / np.sqrt(ratio), width * scale * np.sqrt(ratio)
        else:
            crop_h = height * np.random.uniform(*self.scaling)
            crop_w = width * np.random.uniform(*self.scaling)
            if not 0.5 <= crop_h / crop_w <= 2.0:
                return None
        crop_h, crop_w = int(crop_h), int(crop_w)
        # upstream draws randint(0, margin), which raises for a margin of 0 (a crop of the full
        # height or width, probability ~0); that offset is 0 here, without a draw
        crop_y = np.random.randint(0, height - crop_h) if height > crop_h else 0
        crop_x = np.random.randint(0, width - crop_w) if width > crop_w else 0
        return np.array([crop_x, crop_y, crop_x + crop_w, crop_y + crop_h], np.float32)

    @staticmethod
    def _iou(boxes: np.ndarray, crop: np.ndarray) -> np.ndarray:
        """IoU of each box with the crop (with upstream's 1e-10 in the union)."""
        top_left = np.maximum(boxes[:, :2], crop[:2])
        bottom_right = np.minimum(boxes[:, 2:], crop[2:])
        inter = np.prod(bottom_right - top_left, axis=1) * (top_left < bottom_right).all(axis=1)
        area_boxes = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
        area_crop = np.prod(crop[2:] - crop[:2])
        return inter / (area_boxes + area_crop - inter + 1e-10)

    @staticmethod
    def _crop_boxes(boxes: np.ndarray, crop: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Boxes clipped to the crop in its coordinates, and the indices of those whose centre
        lies inside it and that keep an area."""
        cropped = boxes.copy()
        cropped[:, :2] = np.maximum(boxes[:, :2], crop[:2]) - crop[:2]
        cropped[:, 2:] = np.minimum(boxes[:, 2:], crop[2:]) - crop[:2]
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        valid = ((crop[:2] <= centres) & (centres < crop[2:])).all(axis=1)
        valid &= (cropped[:, :2] < cropped[:, 2:]).all(axis=1)
        return cropped, np.where(valid)[0]

    def _find_crop(self, boxes: np.ndarray, height: int,
                   width: int) -> Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The first accepted ``(crop, cropped boxes, kept indices)``, or None for no crop."""
        thresholds: List = list(self.thresholds) + (['no_crop'] if self.allow_no_crop else [])
        np.random.shuffle(thresholds)
        for threshold in thresholds:
            if threshold == 'no_crop':
                return None
            for _ in range(self.num_attempts):
                crop = self._draw_crop(height, width)
                if crop is None:
                    continue
                iou = self._iou(boxes, crop)
                if iou.max() < threshold or (self.cover_all_box and iou.min() < threshold):
                    continue
                cropped, keep = self._crop_boxes(boxes, crop)
                if keep.size > 0:
                    return crop, cropped[keep], keep
        return None

    def transform(self, results: Dict) -> Dict:
        boxes = results.get('gt_bboxes')
        if boxes is None or len(boxes) == 0:
            return results
        box_array = np.asarray(boxes.numpy() if hasattr(boxes, 'numpy') else boxes, np.float32)
        found = self._find_crop(box_array, *results['img'].shape[:2])
        if found is None:
            return results
        crop, cropped, keep = found
        x1, y1, x2, y2 = crop.astype(int)
        results['img'] = results['img'][y1:y2, x1:x2]
        results['img_shape'] = results['img'].shape[:2]
        results['gt_bboxes'] = cropped if isinstance(boxes, np.ndarray) else type(boxes)(cropped)
        for key in ('gt_bboxes_labels', 'gt_ignore_flags'):
            if key in results:
                results[key] = results[key][keep]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(aspect_ratio={self.aspect_ratio}, thresholds='
                f'{self.thresholds}, scaling={self.scaling}, num_attempts={self.num_attempts}, '
                f'allow_no_crop={self.allow_no_crop}, cover_all_box={self.cover_all_box})')


#: RGB -> YIQ and YIQ -> RGB, the matrices of upstream ``RandomDistort.apply_hue``.
_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.321],
                        [0.211, -0.523, 0.311]])
_YIQ_TO_RGB = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.107, 1.705]])
_LUMA = np.array([[[0.299, 0.587, 0.114]]], dtype=np.float32)


def _hue(img: np.ndarray, delta: float) -> np.ndarray:
    """Rotate the chroma in YIQ by ``delta * pi`` radians."""
    angle = delta * np.pi
    rotation = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(angle), -np.sin(angle)],
                         [0.0, np.sin(angle), np.cos(angle)]])
    return np.dot(img.astype(np.float32), np.dot(np.dot(_YIQ_TO_RGB, rotation), _RGB_TO_YIQ).T)


def _saturation(img: np.ndarray, delta: float) -> np.ndarray:
    """Mix with the luma, ``delta : 1 - delta`` (in place in float32, as upstream rounds)."""
    img = img.astype(np.float32)
    gray = (img * _LUMA).sum(axis=2, keepdims=True)
    gray *= (1.0 - delta)
    img *= delta
    img += gray
    return img


def _contrast(img: np.ndarray, delta: float) -> np.ndarray:
    img = img.astype(np.float32)
    img *= delta
    return img


def _brightness(img: np.ndarray, delta: float) -> np.ndarray:
    img = img.astype(np.float32)
    img += delta
    return img


#: The distortions in upstream's order before its shuffle.
DISTORTIONS = dict(brightness=_brightness, contrast=_contrast, saturation=_saturation, hue=_hue)


@TRANSFORMS.register_module()
class PaddleDetRandomDistort(BaseTransform):
    """PaddleDetection's ``RandomDistort`` with ``random_apply=True`` (the PicoDet readers'):
    brightness, contrast, saturation and hue in a random order, each applied with probability
    ``1 - prob`` (upstream skips an operation when ``U(0, 1) < prob``).

    On the RGB image as float32, values not clipped (an image that no operation touched stays
    8-bit): brightness adds ``delta`` (0.5..1.5 grey levels: upstream adds the factor range to
    0..255 values), contrast multiplies by it, saturation mixes with the luma ``delta : 1 -
    delta``, hue rotates the chroma in YIQ by ``delta * pi`` radians. Draws (numpy's global
    generator): ``permutation`` of the four, then per operation ``uniform(0, 1)`` and, when
    applied, ``uniform(low, high)``.

    Args:
        hue, saturation, contrast, brightness: ``(low, high, prob)`` as upstream's.
        count: How many of the shuffled operations are tried.
        channel_order: ``'bgr'`` (mmcv's ``LoadImageFromFile``) or ``'rgb'``; the operations
            run on RGB as upstream's (its luma weights and YIQ matrices are RGB's).
    """

    def __init__(self,
                 hue: Sequence[float] = (-18, 18, 0.5),
                 saturation: Sequence[float] = (0.5, 1.5, 0.5),
                 contrast: Sequence[float] = (0.5, 1.5, 0.5),
                 brightness: Sequence[float] = (0.5, 1.5, 0.5),
                 count: int = 4,
                 channel_order: str = 'bgr') -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"PaddleDetRandomDistort: channel_order must be 'bgr' or 'rgb', "
                             f'got {channel_order!r}')
        settings = dict(brightness=brightness, contrast=contrast, saturation=saturation, hue=hue)
        for name, setting in settings.items():
            if len(setting) != 3 or setting[0] > setting[1] or not 0 <= setting[2] <= 1:
                raise ValueError(f'PaddleDetRandomDistort: {name} must be (low, high, prob) '
                                 f'with low <= high and prob in [0, 1], got {setting}')
        self.settings = {name: tuple(setting) for name, setting in settings.items()}
        self.count = count
        self.channel_order = channel_order

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'PaddleDetRandomDistort: expects a 3-channel image, got shape '
                             f'{img.shape} ({results.get("img_path")!r})')
        flip = self.channel_order == 'bgr'
        img = np.ascontiguousarray(img[..., ::-1]) if flip else img
        names = list(DISTORTIONS)
        for index in np.random.permutation(len(names))[:self.count]:
            low, high, prob = self.settings[names[index]]
            if np.random.uniform(0., 1.) < prob:
                continue
            img = DISTORTIONS[names[index]](img, np.random.uniform(low, high))
        results['img'] = np.ascontiguousarray(img[..., ::-1]) if flip else img
        return results

    def __repr__(self) -> str:
        settings = ', '.join(f'{k}={v}' for k, v in self.settings.items())
        return (f'{type(self).__name__}({settings}, count={self.count}, '
                f'channel_order={self.channel_order!r})')


#: Upstream ``BatchRandomResize``'s interpolations (``random_interp``), in its order.
RANDOM_INTERPOLATIONS = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_AREA, cv2.INTER_CUBIC,
                         cv2.INTER_LANCZOS4)


Size = Union[int, Sequence[int]]


def draw_batch_size_and_interpolation(sizes: Sequence[Size], random_interp: bool,
                                      interpolation: int) -> Tuple[Tuple[int, int], int]:
    """One batch's ``(h, w)`` and interpolation, drawn as upstream ``BatchRandomResize``:
    ``np.random.choice`` of the size's index, then (``random_interp``) of the interpolation.
    A size is an int (square) or ``(h, w)``, as upstream's ``target_size`` entries."""
    size = sizes[np.random.choice(len(sizes))]
    interp = int(np.random.choice(RANDOM_INTERPOLATIONS)) if random_interp else interpolation
    height, width = (size, size) if isinstance(size, int) else size
    return (int(height), int(width)), interp


def resize_to(image: np.ndarray, size: Tuple[int, int], interpolation: int) -> np.ndarray:
    """``image`` (H x W [x C]) resized to ``size`` (h, w) with OpenCV, by scale factors as
    upstream's ``Resize(keep_ratio=False)`` (``fx``/``fy``), as float32 as it returns it."""
    height, width = image.shape[:2]
    resized = cv2.resize(image, None, None, fx=size[1] / width, fy=size[0] / height,
                         interpolation=interpolation)
    return resized.astype(np.float32)


@FUNCTIONS.register_module()
def batch_random_resize_collate(data_batch: Sequence[dict],
                                sizes: Sequence[Size] = (352, 384, 416, 448, 480),
                                random_interp: bool = True,
                                interpolation: int = cv2.INTER_NEAREST) -> dict:
    """PaddleDetection's ``BatchRandomResize`` (``keep_ratio: False``) as a data loader's
    ``collate_fn`` (after ``PackDetInputs``): one size and interpolation per batch
    (:func:`draw_batch_size_and_interpolation`), each image resized to it
    (:func:`resize_to`), its boxes scaled and clipped to it; then mmengine's
    ``pseudo_collate``. It runs in the loader's workers before the data preprocessor
    normalises, as upstream's batch transforms run before ``NormalizeImage``.

    Config: ``train_dataloader = dict(collate_fn=dict(type='batch_random_resize_collate',
    sizes=[...]))`` with ``model.data_preprocessor.batch_augments = None``.
    """
    size, interp = draw_batch_size_and_interpolation(sizes, random_interp, interpolation)
    for data in data_batch:
        image = data['inputs']
        height, width = image.shape[-2:]
        resized = resize_to(np.ascontiguousarray(image.permute(1, 2, 0).numpy()), size, interp)
        resized = resized[..., None] if resized.ndim == 2 else resized
        data['inputs'] = torch.from_numpy(np.ascontiguousarray(resized.transpose(2, 0, 1)))
        sample = data['data_samples']
        scale_x, scale_y = size[1] / width, size[0] / height
        for field in ('gt_instances', 'ignored_instances'):
            instances = sample.get(field)
            if instances is not None and 'bboxes' in instances:
                instances.bboxes.rescale_([scale_x, scale_y])
                instances.bboxes.clip_(size)
        old_x, old_y = sample.metainfo.get('scale_factor', (1.0, 1.0))
        sample.set_metainfo(dict(img_shape=size, batch_input_shape=size,
                                 scale_factor=(old_x * scale_x, old_y * scale_y)))
    return pseudo_collate(data_batch)
