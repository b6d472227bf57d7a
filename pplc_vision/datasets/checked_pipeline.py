"""Checked loading behind stock transform names.

Configs name the stock loaders (``LoadImageFromFile``, ``LoadAnnotations``), so that the stock
inferencers (mmseg's ``MMSegInferencer``, mmpretrain's ``ImageClassificationInferencer``), which
rewrite a test pipeline by those names, work on every config. The checked datasets of this
package swap each stock loader of their own pipeline for its checked subclass (same arguments,
plus one-line errors naming the file) when they are built: :class:`LoadImageChecked` here (all
three tasks) and ``LoadCheckedAnnotations`` (segmentation label maps).
"""
import copy
import os.path as osp
from typing import Mapping, Optional, Sequence

from mmcv.transforms import LoadImageFromFile
from mmengine.registry import TRANSFORMS

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
    """``LoadImageFromFile`` whose missing, empty or undecodable image is a one-line error."""

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            out = super().transform(results)
        except FileNotFoundError:
            raise FileNotFoundError(f'image {path!r} does not exist') from None
        except Exception:  # decoders fail with AssertionError, cv2.error, OSError, ...
            size = osp.getsize(path) if osp.isfile(path) else 0
            reason = 'empty file' if size == 0 else 'corrupt or not an image'
            raise ValueError(f'cannot decode image {path!r} ({size} bytes): {reason}; replace '
                             'or remove the file') from None
        return out
