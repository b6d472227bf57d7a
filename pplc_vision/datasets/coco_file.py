"""COCO-format detection data whose classes come from the annotation file.

mmdet's ``CocoDataset`` falls back to COCO's 80 class names when a config gives no ``classes``,
and maps category ids to labels in the file's category order whatever the order of ``classes``
(in the dataset and in ``CocoMetric``): on other COCO-format files that silently mislabels boxes.
``CocoFileDataset`` takes the classes from the file's categories (leaving out a ``_background_``
category such as labelme's) and stops with a one-line error naming the file for a missing file,
a file without images, classes the file lacks, or classes out of the file's category order.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.fileio import get_local_path

from mmdet.datasets import CocoDataset
from mmdet.evaluation import CocoMetric
from mmdet.registry import DATASETS, METRICS

BACKGROUND_NAMES = ('_background_', '__background__', 'background')


def file_classes(categories: Sequence[dict]) -> List[str]:
    """Class names of COCO ``categories`` in id order, without a background category."""
    ordered = sorted(categories, key=lambda c: c['id'])
    return [c['name'] for c in ordered if c['name'] not in BACKGROUND_NAMES]


@DATASETS.register_module()
class CocoFileDataset(CocoDataset):
    """:class:`CocoDataset` whose ``classes`` default to the file's and are checked against it.

    Args:
        metainfo: As in mmdet; ``classes`` left out means "every category of the file except a
            background category", in category-id order.
        **kwargs: :class:`CocoDataset` arguments.
    """

    def __init__(self, *args, metainfo: Optional[dict] = None, **kwargs) -> None:
        self._config_classes = (metainfo or {}).get('classes')
        super().__init__(*args, metainfo=metainfo, **kwargs)

    def _check_file(self, categories: Sequence[dict], num_images: int) -> None:
        name = type(self).__name__
        if num_images == 0:
            raise ValueError(f'{name}: {self.ann_file} has no images ("images" is empty)')
        if not categories:
            raise ValueError(f'{name}: {self.ann_file} has no categories')
        names = [c['name'] for c in categories]
        classes = list(self._metainfo['classes'])
        missing = [c for c in classes if c not in names]
        if missing:
            raise ValueError(f'{name}: classes {missing} of the config are not categories of '
                             f'{self.ann_file} (it has {names})')
        in_file_order = [n for n in file_classes(categories) if n in classes]
        if classes != in_file_order:
            raise ValueError(f'{name}: classes must follow the category-id order of '
                             f'{self.ann_file} (mmdet maps labels in that order): expected '
                             f'{in_file_order}, got {classes}')

    def load_data_list(self) -> List[dict]:
        """Load the file, set ``classes`` (and a palette of that length), parse every image."""
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{type(self).__name__}: annotation file {self.ann_file} '
                                    f'not found (data_root={self.data_root!r})')
        with get_local_path(self.ann_file, backend_args=self.backend_args) as local_path:
            self.coco = self.COCOAPI(local_path)
        categories = self.coco.dataset.get('categories', [])
        if self._config_classes is None:
            self._metainfo['classes'] = tuple(file_classes(categories))
        classes = self._metainfo['classes']
        self._check_file(categories, len(self.coco.get_img_ids()))
        palette = self._metainfo.get('palette') or [(220, 20, 60)]
        self._metainfo['palette'] = [palette[i % len(palette)] for i in range(len(classes))]

        id_of = {c['name']: c['id'] for c in categories}
        self.cat_ids = [id_of[c] for c in classes]
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.cat_img_map = copy.deepcopy(self.coco.cat_img_map)

        data_list, total_ann_ids = [], []
        for img_id in self.coco.get_img_ids():
            raw_img_info = self.coco.load_imgs([img_id])[0]
            raw_img_info['img_id'] = img_id
            ann_ids = self.coco.get_ann_ids(img_ids=[img_id])
            total_ann_ids.extend(ann_ids)
            data_list.append(self.parse_data_info(
                dict(raw_ann_info=self.coco.load_anns(ann_ids), raw_img_info=raw_img_info)))
        if self.ANN_ID_UNIQUE and len(set(total_ann_ids)) != len(total_ann_ids):
            raise ValueError(f'{type(self).__name__}: annotation ids in {self.ann_file} are '
                             f'not unique')
        del self.coco
        return data_list


@METRICS.register_module()
class CocoFileMetric(CocoMetric):
    """:class:`CocoMetric` that renumbers annotation ids from 1 when a file starts them at 0.

    pycocotools records a match by the ground truth's annotation id and reads 0 as "no match",
    so a box with id 0 could never be found and every detection of it counted as false.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        coco = self._coco_api
        if coco is not None and coco.dataset.get('annotations'):
            lowest = min(ann['id'] for ann in coco.dataset['annotations'])
            if lowest < 1:
                for ann in coco.dataset['annotations']:
                    ann['id'] += 1 - lowest
                coco.createIndex()
