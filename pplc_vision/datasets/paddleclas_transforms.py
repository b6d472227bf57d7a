"""PaddleClas' evaluation resize and crop, to the pixel (mmpretrain scope).

mmpretrain's ``ResizeEdge`` truncates the long side (``int(256 * h / w)``) and its
``CenterCrop`` rounds the offset half to even; PaddleClas' ``ResizeImage(resize_short=...)``
rounds the long side and its ``CropImage`` floors the offset (``ppcls/data/preprocess/ops/
operators.py``, paddleclas 2.6.0). Either gives a different image for about half of the photos
(one pixel of shift or size), enough to move a released model's scores; the PULC configs use
these two so that their inputs are PaddleClas' own. Both resize with OpenCV's bilinear
interpolation, as PaddleClas' default ``cv2`` backend does.
"""
from typing import Dict, Sequence, Union

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
