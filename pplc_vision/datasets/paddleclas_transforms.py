"""PaddleClas' random crop of training and its evaluation resize and crop, to the pixel
(mmpretrain scope).

``RandCropImage`` (the ImageNet yamls' training crop, PPLCNet_x1_0.yaml among them) is not
torchvision's ``RandomResizedCrop`` that mmpretrain's follows: it draws one aspect ratio and
one area fraction, clamps the fraction so that the crop fits, and never retries or falls back
to a centre crop; mmpretrain's draws the ratio log-uniformly, rejects crops that do not fit (10
tries) and then crops the centre. :class:`PaddleClasRandCropImage` is PaddleClas' (its draws
come from Python's ``random``, as PaddleClas', which mmengine seeds per worker).

mmpretrain's ``ResizeEdge`` truncates the long side (``int(256 * h / w)``) and its
``CenterCrop`` rounds the offset half to even; PaddleClas' ``ResizeImage(resize_short=...)``
rounds the long side and its ``CropImage`` floors the offset (``ppcls/data/preprocess/ops/
operators.py``, paddleclas 2.6.0). Either gives a different image for about half of the photos
(one pixel of shift or size), enough to move a released model's scores; the PULC configs use
these two so that their inputs are PaddleClas' own. Both resize with OpenCV's bilinear
interpolation, as PaddleClas' default ``cv2`` backend does.
"""
import math
import random
from typing import Dict, Sequence, Tuple, Union

import mmcv
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PaddleClasResizeShort(BaseTransform):
    """Resize the short side to ``scale``, the other to ``int(round(side * scale / short))``.

    Args:
        scale: The short side's length after resizing (PaddleClas' ``resize_short``).
    """

    def __init__(self, scale: int) -> None:
        if not isinstance(scale, int) or scale <= 0:
            raise ValueError(f'PaddleClasResizeShort: scale must be a positive int, got {scale!r}')
        self.scale = scale

    def transform(self, results: Dict) -> Dict:
        h, w = results['img'].shape[:2]
        percent = self.scale / min(w, h)
        size = (int(round(w * percent)), int(round(h * percent)))
        img, w_scale, h_scale = mmcv.imresize(results['img'], size, interpolation='bilinear',
                                              return_scale=True, backend='cv2')
        results.update(img=img, img_shape=img.shape[:2], scale=size,
                       scale_factor=(w_scale, h_scale))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'


@TRANSFORMS.register_module()
class PaddleClasCenterCrop(BaseTransform):
    """Crop ``crop_size`` (an int, or ``(w, h)``) at offsets ``(side - crop) // 2``.

    Args:
        crop_size: The crop's size (PaddleClas' ``CropImage`` ``size``).
    """

    def __init__(self, crop_size: Union[int, Sequence[int]]) -> None:
        size = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(crop_size)
        if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
            raise ValueError(f'PaddleClasCenterCrop: crop_size must be a positive int or (w, h), '
                             f'got {crop_size!r}')
        self.crop_size = size

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        (w, h), (img_h, img_w) = self.crop_size, img.shape[:2]
        if img_w < w or img_h < h:
            raise ValueError(f'PaddleClasCenterCrop: image {img_w}x{img_h} is smaller than the '
                             f'{w}x{h} crop ({results.get("img_path", "an image")})')
        x, y = (img_w - w) // 2, (img_h - h) // 2
        results['img'] = img[y:y + h, x:x + w]
        results['img_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class PaddleClasRandCropImage(BaseTransform):
    """PaddleClas' ``RandCropImage``: a random crop of random area and aspect ratio, resized to
    ``size`` with OpenCV's bilinear interpolation (``ppcls/data/preprocess/ops/operators.py``
    at d6892e564, the release/2.6 commit, with its defaults ``use_log_aspect=False`` and the
    ``cv2`` backend).

    Draws (Python's ``random``, in this order): the aspect ratio ``w / h ~ U(ratio)``, the area
    fraction ``~ U(min(scale[0], bound), min(scale[1], bound))`` with ``bound`` the largest
    fraction whose crop of that ratio fits, then the left and top offsets (``randint``, both
    ends included). The crop is ``int(sqrt(area * ratio))`` wide, ``int(sqrt(area / ratio))``
    high.

    Args:
        size: Output size, an int or ``(h, w)`` (PaddleClas' ``size``).
        scale: ``(min, max)`` fraction of the image's area.
        ratio: ``(min, max)`` aspect ratio (width / height).
    """

    def __init__(self, size: Union[int, Sequence[int]],
                 scale: Sequence[float] = (0.08, 1.0),
                 ratio: Sequence[float] = (3. / 4., 4. / 3.)) -> None:
        out = (size, size) if isinstance(size, int) else tuple(size)
        if len(out) != 2 or not all(isinstance(s, int) and s > 0 for s in out):
            raise ValueError(f'PaddleClasRandCropImage: size must be a positive int or (h, w), '
                             f'got {size!r}')
        if len(scale) != 2 or not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f'PaddleClasRandCropImage: scale must be (min, max) in (0, 1], '
                             f'got {scale!r}')
        if len(ratio) != 2 or not 0 < ratio[0] <= ratio[1]:
            raise ValueError(f'PaddleClasRandCropImage: ratio must be (min, max) > 0, got '
                             f'{ratio!r}')
        self.size, self.scale, self.ratio = out, tuple(scale), tuple(ratio)

    def draw(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """One crop ``(x, y, w, h)`` of a ``height x width`` image."""
        aspect = random.uniform(*self.ratio)
        bound = min(width / height / aspect, height / width * aspect)
        fraction = random.uniform(min(self.scale[0], bound), min(self.scale[1], bound))
        area = width * height * fraction
        w, h = int(math.sqrt(area * aspect)), int(math.sqrt(area / aspect))
        return random.randint(0, width - w), random.randint(0, height - h), w, h

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        x, y, w, h = self.draw(*img.shape[:2])
        out_h, out_w = self.size
        results['img'] = mmcv.imresize(img[y:y + h, x:x + w], (out_w, out_h),
                                       interpolation='bilinear', backend='cv2')
        results['img_shape'] = (out_h, out_w)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, scale={self.scale}, '
                f'ratio={self.ratio})')
