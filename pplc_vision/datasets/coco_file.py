"""COCO-format detection data whose classes come from the annotation file.

mmdet's ``CocoDataset`` falls back to COCO's 80 class names when a config gives no ``classes``,
and maps category ids to labels in the file's category order whatever the order of ``classes``
(in the dataset and in ``CocoMetric``): on other COCO-format files that silently mislabels boxes.
``CocoFileDataset`` takes the classes from the file's categories (leaving out a ``_background_``
category such as labelme's) and stops with a one-line :class:`~.errors.DataError` naming the
file for a missing file, a file that is not JSON, a record that lacks a required field or holds
a value of the wrong kind (a bbox that is not 4 numbers, a size that is not a positive number),
repeated ids, a file without images, annotations of a category or image the file does not
define, classes the file lacks, or classes out of the file's category order. Boxes that mmdet
drops without a word (degenerate, or outside their image) are
reported at load with their count and a first example. Images load with ``LoadImageChecked``
in place of the stock ``LoadImageFromFile`` (an empty or undecodable image names its file, as
does an image whose size is not the one of its record).
"""
import copy
import json
import logging
import math
import numbers
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from mmengine.fileio import get_local_path
from mmengine.logging import print_log

from mmdet.datasets import CocoDataset
from mmdet.evaluation import CocoMetric
from mmdet.registry import DATASETS, METRICS

from .checked_pipeline import CHECKED_IMAGE_LOADER, with_checked_loaders
from .coco_categories import file_classes
from .errors import DataError, MissingDataError

def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value)


# What a value of each checked field must be: (test, what the error says is expected).
FIELD_KINDS: Dict[str, Tuple[Callable[[Any], bool], str]] = {
    'file_name': (lambda v: isinstance(v, str) and bool(v), 'a file name'),
    'height': (lambda v: _is_number(v) and v > 0, 'a positive number'),
    'width': (lambda v: _is_number(v) and v > 0, 'a positive number'),
    'bbox': (lambda v: isinstance(v, list) and len(v) == 4 and all(map(_is_number, v)),
             '[x, y, width, height], 4 numbers'),
    'name': (lambda v: isinstance(v, str) and bool(v), 'a name'),
}
# The fields each record of a COCO instances file must have for mmdet to read it.
REQUIRED_FIELDS = {
    'images': ('id', 'file_name', 'height', 'width'),
    'annotations': ('id', 'image_id', 'category_id', 'bbox'),
    'categories': ('id', 'name'),
}


def record_problem(section: str, index: int, record: Any) -> Optional[str]:
    """What is wrong with record ``index`` of ``section``, or ``None``."""
    fields = REQUIRED_FIELDS[section]
    if not isinstance(record, dict):
        return f'{section}[{index}] is a {type(record).__name__}, expected an object with ' \
            f'{", ".join(fields)}'
    missing = [f for f in fields if f not in record]
    if missing:
        return f'{section}[{index}] lacks {", ".join(missing)} (required: {", ".join(fields)})'
    for field in fields:
        test, expected = FIELD_KINDS.get(field, (None, None))
        if test is not None and not test(record[field]):
            return f'{section}[{index}] (id {record["id"]!r}) has {field} ' \
                f'{record[field]!r}: expected {expected}'
    return None


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
        if 'pipeline' in kwargs:
            kwargs['pipeline'] = with_checked_loaders(kwargs['pipeline'], CHECKED_IMAGE_LOADER)
        super().__init__(*args, metainfo=metainfo, **kwargs)

    def _read_file(self, local_path: str) -> None:
        """Parse the annotation file into ``self.coco``; a broken file is a one-line error."""
        name = type(self).__name__
        try:
            with open(local_path, 'rb') as f:
                content = json.loads(f.read())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DataError(f'{name}: {self.ann_file} is not valid JSON ({e}); a truncated or '
                            'damaged file?') from None
        if not isinstance(content, dict):
            raise DataError(f'{name}: {self.ann_file} holds a {type(content).__name__}, '
                            'expected a COCO object with images, annotations, categories')
        for section in REQUIRED_FIELDS:
            records = content.get(section)
            if not isinstance(records, list):
                raise DataError(f'{name}: {self.ann_file} has no "{section}" list')
            for i, record in enumerate(records):
                problem = record_problem(section, i, record)
                if problem:
                    raise DataError(f'{name}: {self.ann_file}: {problem}')
            ids = [record['id'] for record in records]
            if len(set(map(repr, ids))) != len(ids):
                repeated = next(i for i in ids if ids.count(i) > 1)
                raise DataError(f'{name}: {self.ann_file}: {section} ids are not unique '
                                f'(id {repeated!r} appears {ids.count(repeated)} times)')
        self.coco = self.COCOAPI()
        self.coco.dataset = content
        self.coco.createIndex()
        self.coco.img_ann_map, self.coco.cat_img_map = self.coco.imgToAnns, self.coco.catToImgs
        self._check_annotations(content)

    def _check_annotations(self, content: dict) -> None:
        """Unknown categories and images are errors; boxes mmdet would drop are reported."""
        name = type(self).__name__
        category_ids = {c['id'] for c in content['categories']}
        sizes = {img['id']: (img['width'], img['height']) for img in content['images']}
        degenerate, outside = [], []
        for ann in content['annotations']:
            where = f'annotation id {ann["id"]} (image id {ann["image_id"]})'
            if ann['category_id'] not in category_ids:
                unknown = [a for a in content['annotations']
                           if a['category_id'] not in category_ids]
                raise DataError(f'{name}: {self.ann_file} has {len(unknown)} annotations of '
                                f'categories it does not define, first: {where} with '
                                f'category_id {ann["category_id"]} (categories: '
                                f'{sorted(category_ids)})')
            if ann['image_id'] not in sizes:
                raise DataError(f'{name}: {self.ann_file}: {where} refers to an image that '
                                'is not in "images"')
            x, y, w, h = ann['bbox']
            width, height = sizes[ann['image_id']]
            if w < 1 or h < 1 or ann.get('area', w * h) <= 0:
                degenerate.append(f'{where} bbox {ann["bbox"]}')
            elif min(x + w, width) <= max(x, 0) or min(y + h, height) <= max(y, 0):
                outside.append(f'{where} bbox {ann["bbox"]} in a {width}x{height} image')
        for kind, boxes in (('degenerate (width or height < 1 px)', degenerate),
                            ('entirely outside their image', outside)):
            if boxes:
                print_log(f'{name}: {self.ann_file}: {len(boxes)} boxes are {kind} and are '
                          f'not trained on, first: {boxes[0]}', logger='current',
                          level=logging.WARNING)

    def _check_file(self, categories: Sequence[dict], num_images: int) -> None:
        name = type(self).__name__
        if num_images == 0:
            raise DataError(f'{name}: {self.ann_file} has no images ("images" is empty)')
        if not categories:
            raise DataError(f'{name}: {self.ann_file} has no categories')
        names = [c['name'] for c in categories]
        classes = list(self._metainfo['classes'])
        missing = [c for c in classes if c not in names]
        if missing:
            raise DataError(f'{name}: classes {missing} of the config are not categories of '
                             f'{self.ann_file} (it has {names})')
        in_file_order = [n for n in file_classes(categories) if n in classes]
        if classes != in_file_order:
            raise DataError(f'{name}: classes must follow the category-id order of '
                             f'{self.ann_file} (mmdet maps labels in that order): expected '
                             f'{in_file_order}, got {classes}')

    def load_data_list(self) -> List[dict]:
        """Load the file, set ``classes`` (and a palette of that length), parse every image."""
        if not osp.isfile(self.ann_file):
            raise MissingDataError(f'{type(self).__name__}: annotation file {self.ann_file} '
                                   f'not found (data_root={self.data_root!r})')
        with get_local_path(self.ann_file, backend_args=self.backend_args) as local_path:
            self._read_file(local_path)
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
