"""Segmentation pipeline transforms: label maps loaded with checks of their values and size,
and PaddleSeg's colour distortion."""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS
from PIL import Image, ImageEnhance

from .errors import DataError, MissingDataError


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations``, then checks that raise a one-line :class:`DataError` naming
    the file.

    - Reading: a missing, empty or undecodable file, or one with colour channels (a colour
      visualisation instead of the one-channel map of ids), is an error.
    - Values: every pixel must be a class id (``0 .. num_classes - 1``) or ``ignore_index``.
      Other ids are an error, not silently ignored: they mean a wrong label file (the classic
      case is Cityscapes' ``*_labelIds.png``, ids up to 33, instead of ``*_labelTrainIds.png``).
    - Size: the label map must have the size of the image as loaded (``ori_shape``), so the
      transform works both before and after a ``Resize`` of the image.

    ``num_classes`` comes from the sample (:class:`CityscapesLayoutDataset` sets it) or from
    the argument; with neither, only the size is checked.
    """

    def __init__(self, num_classes: Optional[int] = None, ignore_index: int = 255,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def _load_seg_map(self, results: dict) -> None:
        path = results.get('seg_map_path')
        try:
            super()._load_seg_map(results)
        except FileNotFoundError:
            raise MissingDataError(f'label map {path!r} does not exist') from None
        except Exception:  # mmcv returns None for undecodable bytes; mmseg then fails on it
            size = osp.getsize(path) if osp.isfile(path) else 0
            reason = 'empty file' if size == 0 else 'corrupt or not an image'
            raise DataError(f'cannot decode label map {path!r} ({size} bytes): {reason}') \
                from None
        seg = results['gt_seg_map']
        if seg.ndim != 2:
            raise DataError(f'label map {path!r} has {seg.shape[2]} channels, expected one '
                            'channel of class ids (a colour rendering instead of the map?)')
        ori_shape = results.get('ori_shape')
        if ori_shape is not None and tuple(seg.shape[:2]) != tuple(ori_shape[:2]):
            raise DataError(f'label map {path!r} is {seg.shape[1]}x{seg.shape[0]} (WxH) but '
                             f'its image {results.get("img_path")!r} is '
                             f'{ori_shape[1]}x{ori_shape[0]}')
        num_classes = results.get('num_classes', self.num_classes)
        if num_classes is None:
            return
        values = np.unique(seg)
        bad = values[(values >= num_classes) & (values != self.ignore_index)]
        if bad.size:
            raise DataError(
                f'label map {path!r} has ids {bad.tolist()[:10]} outside the {num_classes} '
                f'classes (0..{num_classes - 1}) and the ignore id {self.ignore_index}; '
                'Cityscapes needs *_gtFine_labelTrainIds.png, not *_labelIds.png')

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')


def shift_hue(image: Image.Image, delta: float) -> Image.Image:
    """Add ``delta`` to the hue of an RGB image in PIL's HSV (hue 0..255 for 0..360 degrees),
    truncated to an integer and wrapped around the colour circle, as PaddleSeg's ``hue``."""
    hsv = np.asarray(image.convert('HSV'))
    hue = np.mod(np.trunc(hsv[..., 0] + delta), 256).astype(np.uint8)
    hsv = np.concatenate([hue[..., None], hsv[..., 1:]], axis=-1)
    return Image.frombytes('HSV', image.size, np.ascontiguousarray(hsv).tobytes()).convert('RGB')


#: The distortions: PIL enhancers (factor 1 leaves the image as it is), and the hue shift.
DISTORTIONS = {
    'brightness': lambda im, f: ImageEnhance.Brightness(im).enhance(f),
    'contrast': lambda im, f: ImageEnhance.Contrast(im).enhance(f),
    'saturation': lambda im, f: ImageEnhance.Color(im).enhance(f),
    'hue': shift_hue,
    'sharpness': lambda im, f: ImageEnhance.Sharpness(im).enhance(f),
}


@TRANSFORMS.register_module()
class PaddleSegRandomDistort(BaseTransform):
    """PaddleSeg's ``RandomDistort``: colour distortions in a random order, each with a chance.

    The five distortions are shuffled; each is then applied with its probability and a factor
    drawn uniformly from ``1 +- range`` (brightness, contrast, saturation, sharpness: PIL's
    ``ImageEnhance``) or a hue shift from ``+- hue_range`` (on PIL's 0..255 hue scale, wrapped).
    Defaults are PaddleSeg's; its Cityscapes configs set the brightness, contrast and saturation
    ranges to 0.4 and keep the rest (hue +-18 with probability 0.5, no sharpening). mmseg's
    ``PhotoMetricDistortion`` is another distortion (additive brightness, HSV saturation in
    OpenCV, a fixed order).

    Only ``img`` changes (label maps are untouched). PaddleSeg distorts RGB images; mmseg loads
    BGR, so the image is read in ``channel_order`` and returned in it (uint8; other dtypes are
    clipped to 0..255 and truncated, as PaddleSeg does). Grayscale (2-D) images skip the hue.
    Randomness comes from numpy's global generator, which mmengine seeds per worker.

    Args:
        brightness_range, contrast_range, saturation_range, sharpness_range: Factors are drawn
            from ``[1 - range, 1 + range]``.
        hue_range: Hue shifts are drawn from ``[-hue_range, hue_range]`` (0..255 scale).
        brightness_prob, contrast_prob, saturation_prob, hue_prob, sharpness_prob: Chance of
            each distortion.
        channel_order: ``'bgr'`` (mmcv's ``LoadImageFromFile``) or ``'rgb'``.
    """

    def __init__(self,
                 brightness_range: float = 0.5,
                 brightness_prob: float = 0.5,
                 contrast_range: float = 0.5,
                 contrast_prob: float = 0.5,
                 saturation_range: float = 0.5,
                 saturation_prob: float = 0.5,
                 hue_range: float = 18,
                 hue_prob: float = 0.5,
                 sharpness_range: float = 0.5,
                 sharpness_prob: float = 0.0,
                 channel_order: str = 'bgr') -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"PaddleSegRandomDistort: channel_order must be 'bgr' or 'rgb', "
                             f'got {channel_order!r}')
        self.channel_order = channel_order
        # name: (low, high, probability)
        self.ranges: Dict[str, Tuple[float, float, float]] = {
            'brightness': (1 - brightness_range, 1 + brightness_range, brightness_prob),
            'contrast': (1 - contrast_range, 1 + contrast_range, contrast_prob),
            'saturation': (1 - saturation_range, 1 + saturation_range, saturation_prob),
            'hue': (-hue_range, hue_range, hue_prob),
            'sharpness': (1 - sharpness_range, 1 + sharpness_range, sharpness_prob),
        }
        for name, (low, high, prob) in self.ranges.items():
            if not 0 <= prob <= 1 or low > high or (name != 'hue' and low < 0):
                raise ValueError(f'PaddleSegRandomDistort: {name} needs a probability in 0..1 '
                                 f'and a range below 1 (factors >= 0), got range '
                                 f'[{low}, {high}] and probability {prob}')

    def draw(self, color: bool = True) -> List[Tuple[str, float]]:
        """The distortions of one image, in order: ``(name, factor)`` for each one applied."""
        names = [name for name in self.ranges if color or name != 'hue']
        chosen = []
        for i in np.random.permutation(len(names)):
            low, high, prob = self.ranges[names[i]]
            if np.random.uniform(0, 1) < prob:
                chosen.append((names[i], float(np.random.uniform(low, high))))
        return chosen

    @staticmethod
    def apply(img: np.ndarray, distortions: List[Tuple[str, float]]) -> np.ndarray:
        """``img`` (uint8 RGB ``H x W x 3`` or gray ``H x W``) after ``distortions``."""
        image = Image.fromarray(img)
        for name, factor in distortions:
            image = DISTORTIONS[name](image, factor)
        return np.asarray(image)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.dtype != np.uint8:
            img = np.clip(img, 0, 255).astype(np.uint8)
        if img.ndim == 3 and img.shape[2] == 1:
            img = img[..., 0]
        color = img.ndim == 3
        if color and img.shape[2] != 3:
            raise ValueError(f'PaddleSegRandomDistort: expects a 3-channel or gray image, got '
                             f'shape {img.shape} ({results.get("img_path")!r})')
        flip = color and self.channel_order == 'bgr'
        out = self.apply(np.ascontiguousarray(img[..., ::-1]) if flip else img,
                         self.draw(color))
        out = out[..., ::-1] if flip else out
        results['img'] = np.ascontiguousarray(out).reshape(results['img'].shape)
        return results

    def __repr__(self) -> str:
        ranges = ', '.join(f'{name}=({low:g}, {high:g}, p={prob:g})'
                           for name, (low, high, prob) in self.ranges.items())
        return f'{type(self).__name__}({ranges}, channel_order={self.channel_order!r})'
