"""Classification data in the ImageNet folder layout, checked: one-line errors instead of
warnings, bare assertions or errors deep inside the data pipeline.

mmpretrain's ``CustomDataset`` / ``ImageNet`` only *warn* about a class folder without images
(the class keeps its label index but gets no samples, so it is silently never learnt), assert on
a class-count mismatch, and an undecodable image stops training with
``AssertionError: failed to load image`` or an OpenCV error from a loader worker. Here:

- :class:`CheckedImageNet` / :class:`CheckedImageFolder`: the image folder must exist; the number
  of class folders must equal the number of classes; a class with no image (empty folder, or no
  line in ``meta/<split>.txt``) and a label outside ``0..num_classes-1`` are errors naming the
  folder or file (``allow_empty_classes=True`` accepts empty classes);
- images load with ``LoadImageChecked`` (:mod:`pplc_vision.datasets.checked_pipeline`: a missing
  or undecodable file is a one-line error naming the path and its size) in place of the stock
  ``LoadImageFromFile`` that configs name (and mmpretrain's inferencer expects).
"""
import os.path as osp
from collections import Counter
from typing import List

from mmpretrain.datasets import CustomDataset, ImageNet
from mmpretrain.datasets.custom import find_folders, get_samples
from mmpretrain.registry import DATASETS

from .checked_pipeline import CHECKED_IMAGE_LOADER, with_checked_loaders
from .errors import DataError, MissingDataError


class ClassFolderChecks:
    """Checks shared by the checked datasets (a mixin over mmpretrain's ``CustomDataset``)."""

    allow_empty_classes: bool = False

    def __init__(self, *args, allow_empty_classes: bool = False, **kwargs) -> None:
        self.allow_empty_classes = allow_empty_classes
        if 'pipeline' in kwargs:
            kwargs['pipeline'] = with_checked_loaders(kwargs['pipeline'], CHECKED_IMAGE_LOADER)
        super().__init__(*args, **kwargs)

    def _find_samples(self) -> list:
        name = type(self).__name__
        root = self.img_prefix
        if not osp.isdir(root):
            raise MissingDataError(
                f'{name}: image folder {root!r} does not exist (data_root {self.data_root!r}); '
                'expected <class>/<image> folders or meta/<split>.txt (data/README.md)')
        if not self.with_label:
            return super()._find_samples()
        folders, folder_to_idx = find_folders(root)
        if self.CLASSES is not None and len(folders) != len(self.CLASSES):
            raise DataError(f'{name}: {root!r} has {len(folders)} class folders, expected '
                             f'{len(self.CLASSES)} (one per class of metainfo)')
        samples, empty = get_samples(root, folder_to_idx, is_valid_file=self.is_valid_file)
        if empty and not self.allow_empty_classes:
            raise DataError(
                f'{name}: class folder {osp.join(root, sorted(empty)[0])!r} has no images '
                f'({len(empty)} of {len(folders)} class folders empty; image extensions: '
                f'{", ".join(sorted(self.extensions))})')
        if not samples:
            raise MissingDataError(f'{name}: no images under {root!r}')
        self.folder_to_idx = folder_to_idx
        if self.CLASSES is None:
            self._metainfo['classes'] = tuple(folders)
        return samples

    def load_data_list(self) -> List[dict]:
        try:
            data_list = super().load_data_list()
        except ValueError as e:  # a line without ``<file> <label>``, or bytes that are not text
            if not self.ann_file or isinstance(e, DataError):
                raise
            raise DataError(f'{type(self).__name__}: {self.ann_file!r} is not a list of '
                            f'"<image> <label>" lines ({type(e).__name__}: {e})') from None
        if not self.with_label or self.CLASSES is None:
            return data_list
        source = self.ann_file or self.img_prefix
        num_classes = len(self.CLASSES)
        counts = Counter(info['gt_label'] for info in data_list)
        bad = sorted(label for label in counts if not 0 <= label < num_classes)
        if bad:
            raise DataError(f'{type(self).__name__}: {source!r} has labels {bad[:5]} outside '
                             f'0..{num_classes - 1} ({num_classes} classes)')
        empty = [i for i in range(num_classes) if i not in counts]
        if empty and not self.allow_empty_classes:
            raise DataError(f'{type(self).__name__}: {source!r} has no image of {len(empty)} of '
                             f'the {num_classes} classes, first: label {empty[0]} '
                             f'({self.CLASSES[empty[0]]!r})')
        return data_list


@DATASETS.register_module()
class CheckedImageFolder(ClassFolderChecks, CustomDataset):
    """mmpretrain's ``CustomDataset`` with the checks of this module.

    Args:
        allow_empty_classes: Accept classes without images (mmpretrain's behaviour: a warning).
        **kwargs: ``CustomDataset`` arguments.
    """


@DATASETS.register_module()
class CheckedImageNet(ClassFolderChecks, ImageNet):
    """mmpretrain's ``ImageNet`` (folder or ``meta/<split>.txt`` layout) with the checks of this
    module.

    Args:
        allow_empty_classes: Accept classes without images (mmpretrain's behaviour: a warning).
        **kwargs: ``ImageNet`` arguments.
    """
