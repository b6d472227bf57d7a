"""Datasets and data preparation: the checked Cityscapes-layout dataset (registered in mmseg),
and the demo data converters."""
from .cityscapes import CityscapesLayoutDataset
from .coco_file import CocoFileDataset, CocoFileMetric  # noqa: F401  (mmdet scope)
from .seg_transforms import LoadCheckedAnnotations

__all__ = ['CityscapesLayoutDataset', 'LoadCheckedAnnotations']
