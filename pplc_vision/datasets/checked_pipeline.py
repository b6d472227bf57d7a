"""Checked loading behind stock transform names.

Configs name the stock loaders (``LoadImageFromFile``, ``LoadAnnotations``), so that the stock
inferencers (mmseg's ``MMSegInferencer``, mmpretrain's ``ImageClassificationInferencer``), which
rewrite a test pipeline by those names, work on every config. The checked datasets of this
package swap each stock loader of their own pipeline for its checked subclass (same arguments,
plus one-line :class:`~pplc_vision.datasets.errors.DataError` naming the file) when they are
built: :class:`LoadImageChecked` here (all three tasks) and ``LoadCheckedAnnotations``
(segmentation label maps).
"""
import copy
import os.path as osp
from typing import Mapping, Optional, Sequence

from mmcv.transforms import LoadImageFromFile
from mmengine.registry import TRANSFORMS

from .errors import DataError, MissingDataError

# Stock image loader -> its checked subclass, for every checked dataset.
CHECKED_IMAGE_LOADER = {'LoadImageFromFile': 'LoadImageChecked'}


def with_checked_loaders(pipeline: Sequence, upgrades: Mapping[str, str]) -> list:
    """A copy of ``pipeline`` in which each transform dict whose ``type`` is a key of
    ``upgrades`` gets the checked type that it maps to; other entries are kept as they are."""
    out = []
    for transform in pipeline:
        if isinstance(transform, dict) and transform.get('type') in upgrades:
            transform = copy.copy(transform)
            transform['type'] = upgrades[transform['type']]
        out.append(transform)
    return out


@TRANSFORMS.register_module()  # mmengine's root registry: found from mmdet, mmseg and mmpretrain
class LoadImageChecked(LoadImageFromFile):
    """``LoadImageFromFile`` whose missing, empty or undecodable image is a one-line
    :class:`DataError`, as is an image whose size is not the ``height`` x ``width`` that its
    annotation file gives (COCO: the boxes would be misplaced)."""

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            out = super().transform(results)
        except FileNotFoundError:
            raise MissingDataError(f'image {path!r} does not exist') from None
        except Exception:  # decoders fail with AssertionError, cv2.error, OSError, ...
            size = osp.getsize(path) if osp.isfile(path) else 0
            reason = 'empty file' if size == 0 else 'corrupt or not an image'
            raise DataError(f'cannot decode image {path!r} ({size} bytes): {reason}; replace '
                            'or remove the file') from None
        if out is None:  # ignore_empty=True and an unreadable file: mmcv skips the sample
            return None
        height, width = out['img'].shape[:2]
        expected = results.get('height'), results.get('width')
        if None not in expected and (height, width) != tuple(expected):
            raise DataError(f'image {path!r} is {width}x{height} (WxH) but its annotation file '
                            f'gives {expected[1]}x{expected[0]}: its boxes would be misplaced '
                            '(a replaced image, or an EXIF-rotated photo); fix the file or the '
                            'width/height of its record')
        return out
