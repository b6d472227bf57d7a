"""Class names from a COCO file's ``categories``, without mmdet: the detection dataset checks a
config's classes with them, and deployment reads a test set's class names with them wherever
the model is deployed (a classifier's deployment does not need mmdet)."""
from typing import List, Sequence

BACKGROUND_NAMES = ('_background_', '__background__', 'background')


def file_classes(categories: Sequence[dict]) -> List[str]:
    """Class names of COCO ``categories`` in id order, without a background category."""
    ordered = sorted(categories, key=lambda c: c['id'])
    return [c['name'] for c in ordered if c['name'] not in BACKGROUND_NAMES]
