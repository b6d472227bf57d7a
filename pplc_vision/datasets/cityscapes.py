"""Cityscapes folder layout: a checked mmseg dataset over it, and a writer of samples into it.

Layout (as mmseg's ``CityscapesDataset`` reads it)::

    <root>/leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png
    <root>/gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelTrainIds.png

Label maps hold train ids (0..num_classes-1) and 255 for "ignore", one byte per pixel.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS
from PIL import Image

from .checked_pipeline import CHECKED_IMAGE_LOADER, with_checked_loaders
from .errors import MissingDataError

IMG_DIR = 'leftImg8bit'
GT_DIR = 'gtFine'
IMG_SUFFIX = '_leftImg8bit.png'
SEG_SUFFIX = '_gtFine_labelTrainIds.png'
IGNORE_INDEX = 255
# Stock loaders the dataset replaces with their checked subclass.
CHECKED_LOADERS = {'LoadAnnotations': 'LoadCheckedAnnotations', **CHECKED_IMAGE_LOADER}


def _folder_hint(root: str, split_dir: str, kind: str) -> str:
    return f'{kind} folder {split_dir!r} does not exist (data_root {root!r})'


@DATASETS.register_module()
class CityscapesLayoutDataset(CityscapesDataset):
    """mmseg's ``CityscapesDataset`` that fails early, with one-line errors, on a bad layout.

    Checks, when the dataset is built: the image folder exists and holds ``*_leftImg8bit.png``
    files; the label folder exists (a missing ``gtFine`` is an error); every image has its
    ``*_gtFine_labelTrainIds.png`` (:class:`~.errors.MissingDataError` otherwise). Pixel values,
    channels and sizes are checked when a sample is loaded:
    the stock ``LoadAnnotations`` of the pipeline (the name mmseg's inferencer expects) becomes
    :class:`~pplc_vision.datasets.seg_transforms.LoadCheckedAnnotations`, and each sample
    carries ``num_classes`` for that check.

    ``metainfo=dict(classes=...)`` with a subset of the 19 Cityscapes classes remaps ids as
    mmseg does; a class set that is not a subset (for example ``('background', 'car',
    'truck')``) is a dataset of its own whose label values index those classes directly.
    """

    def __init__(self, **kwargs) -> None:
        if 'pipeline' in kwargs:
            kwargs['pipeline'] = with_checked_loaders(kwargs['pipeline'], CHECKED_LOADERS)
        super().__init__(**kwargs)

    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None) -> Optional[Dict[int, int]]:
        """mmseg's subset remapping; ``None`` (values kept) for a class set of its own."""
        if new_classes is not None and not set(new_classes).issubset(cls.METAINFO['classes']):
            return None
        return super().get_label_map(new_classes)

    def _update_palette(self) -> list:
        classes = self._metainfo.get('classes', ())
        palette = self._metainfo.get('palette', [])
        if not set(classes).issubset(self.METAINFO['classes']) and len(palette) != len(classes):
            # a class set of its own without a palette: mmseg would slice Cityscapes' palette
            rng = np.random.RandomState(42)
            return rng.randint(0, 255, size=(len(classes), 3)).tolist()
        return super()._update_palette()

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path', '')
        ann_dir = self.data_prefix.get('seg_map_path', None)
        if not osp.isdir(img_dir):
            raise MissingDataError(
                _folder_hint(self.data_root, img_dir, 'image') +
                f'; expected {IMG_DIR}/<split>/<city>/*{self.img_suffix}')
        if ann_dir is not None and not osp.isdir(ann_dir):
            raise MissingDataError(
                _folder_hint(self.data_root, ann_dir, 'label') +
                f'; expected {GT_DIR}/<split>/<city>/*{self.seg_map_suffix} '
                '(make them with tools/dataset_converters/cityscapes.py)')
        data_list = super().load_data_list()
        if not data_list:
            raise MissingDataError(f'no *{self.img_suffix} images under {img_dir!r}')
        if ann_dir is not None:
            missing = [d['seg_map_path'] for d in data_list
                       if not osp.isfile(d['seg_map_path'])]
            if missing:
                raise MissingDataError(
                    f'{len(missing)} of {len(data_list)} images have no label map, first: '
                    f'{missing[0]!r} (labelTrainIds come from '
                    'tools/dataset_converters/cityscapes.py)')
        num_classes = len(self._metainfo['classes'])
        for info in data_list:
            info['num_classes'] = num_classes
        return data_list


def cityscapes_stem(city: str, sequence: int, frame: int) -> str:
    """A Cityscapes file stem, e.g. ``aachen_000000_000019``."""
    return f'{city}_{sequence:06d}_{frame:06d}'


def write_cityscapes_sample(root: str, split: str, city: str, stem: str,
                            image: np.ndarray, label: Optional[np.ndarray]) -> Dict[str, str]:
    """Write an RGB ``image`` (H, W, 3 uint8) and its ``label`` (H, W train ids) as PNGs.

    Returns the written paths (``img_path`` and, with a label, ``seg_map_path``).
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f'{stem}: expected an (H, W, 3) uint8 RGB image, '
                         f'got {image.shape} {image.dtype}')
    paths = dict(img_path=osp.join(root, IMG_DIR, split, city, stem + IMG_SUFFIX))
    if label is not None:
        label = np.asarray(label)
        if label.shape != image.shape[:2]:
            raise ValueError(f'{stem}: label shape {label.shape} != image shape '
                             f'{image.shape[:2]}')
        if label.min() < 0 or label.max() > IGNORE_INDEX:
            raise ValueError(f'{stem}: label values must be in 0..255, got '
                             f'{label.min()}..{label.max()}')
        paths['seg_map_path'] = osp.join(root, GT_DIR, split, city, stem + SEG_SUFFIX)
    for key, array in ((k, image if k == 'img_path' else label) for k in paths):
        os.makedirs(osp.dirname(paths[key]), exist_ok=True)
        Image.fromarray(array.astype(np.uint8)).save(paths[key], optimize=True)
    return paths


def list_split_stems(root: str, split: str) -> List[str]:
    """Stems (``<city>/<city>_<seq>_<frame>``) of the images of one split, sorted."""
    folder = osp.join(root, IMG_DIR, split)
    stems: List[str] = []
    for dirpath, _, files in os.walk(folder):
        rel = osp.relpath(dirpath, folder)
        stems += [osp.join(rel, f[:-len(IMG_SUFFIX)]) for f in files if f.endswith(IMG_SUFFIX)]
    return sorted(stems)

