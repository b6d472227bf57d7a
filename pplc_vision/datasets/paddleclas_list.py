"""PaddleClas' label lists (``cls_label_path``) as an mmpretrain dataset, so that the PULC
configs evaluate on the data as PaddleClas prepares it (``dataset/<task>/val_list.txt``).

A line is an image path relative to the image root and its label: ``path<delimiter>label``
(PaddleClas' ``ImageNetDataset``, space by default, tab for ``traffic_sign``), or, multi-label
(``MultiLabelDataset``), ``path<TAB>v0,v1,...`` with one 0/1 value per attribute.
"""
import os.path as osp
from typing import List, Optional

from mmengine.fileio import list_from_file
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .checked_pipeline import CHECKED_IMAGE_LOADER, with_checked_loaders


@DATASETS.register_module()
class PaddleClasList(BaseDataset):
    """Images and labels from a PaddleClas label list.

    Args:
        ann_file: The list (e.g. ``val_list.txt``), relative to ``data_root``.
        data_root: PaddleClas' ``image_root``: the folder the list's paths start from.
        delimiter: Between path and label (PaddleClas' ``delimiter``; ``None``: a space,
            a tab for multi-label lists).
        multi_label: Lines carry one comma-separated 0/1 value per class; ``gt_label`` is the
            list of classes marked 1.
        metainfo: ``classes`` (their number is checked against every line).
        **kwargs: mmpretrain ``BaseDataset`` arguments (``pipeline``, ``test_mode``, ...).
    """

    def __init__(self, ann_file: str, data_root: str = '', delimiter: Optional[str] = None,
                 multi_label: bool = False, **kwargs) -> None:
        self.delimiter = delimiter if delimiter is not None else ('\t' if multi_label else ' ')
        self.multi_label = multi_label
        if 'pipeline' in kwargs:
            kwargs['pipeline'] = with_checked_loaders(kwargs['pipeline'], CHECKED_IMAGE_LOADER)
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def _label(self, text: str, where: str) -> object:
        num_classes = len(self.CLASSES) if self.CLASSES is not None else None
        try:
            if self.multi_label:
                values = [int(v) for v in text.split(',')]
            else:
                values = [int(text)]
        except ValueError:
            raise ValueError(f'{where}: label {text!r} is not '
                             f'{"comma-separated integers" if self.multi_label else "an integer"}'
                             ) from None
        if self.multi_label:
            if num_classes is not None and len(values) != num_classes:
                raise ValueError(f'{where}: {len(values)} attribute values, expected '
                                 f'{num_classes} (one per class of metainfo)')
            return [i for i, v in enumerate(values) if v == 1]
        if num_classes is not None and not 0 <= values[0] < num_classes:
            raise ValueError(f'{where}: label {values[0]} outside 0..{num_classes - 1}')
        return values[0]

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{type(self).__name__}: label list {self.ann_file!r} does '
                                    f'not exist (data_root {self.data_root!r})')
        data_list = []
        for number, line in enumerate(list_from_file(self.ann_file), 1):
            if not line.strip():
                continue
            where = f'{self.ann_file}:{number}'
            parts = line.strip().rsplit(self.delimiter, 1)
            if len(parts) != 2:
                raise ValueError(f'{where}: expected "<image path>{self.delimiter!r}<label>", '
                                 f'got {line.strip()!r}')
            data_list.append(dict(img_path=osp.join(self.data_root, parts[0]),
                                  gt_label=self._label(parts[1].strip(), where)))
        return data_list
