"""Datasets and data preparation: checked datasets (Cityscapes layout in mmseg, COCO files in
mmdet, ImageNet-layout folders, PaddleClas label lists and in-memory Fashion-MNIST in
mmpretrain) and the demo data converters."""
from .cityscapes import CityscapesLayoutDataset
from .coco_file import CocoFileDataset, CocoFileMetric  # noqa: F401  (mmdet scope)
from .fashion_mnist import FashionMNISTIdx  # noqa: F401  (mmpretrain scope)
from .checked_pipeline import LoadImageChecked  # noqa: F401  (all scopes)
from .image_folder import CheckedImageFolder, CheckedImageNet  # noqa: F401  (mmpretrain)
from .paddleclas_list import PaddleClasList  # noqa: F401  (mmpretrain)
from .paddleclas_transforms import PaddleClasCenterCrop, PaddleClasResizeShort  # noqa: F401
from .seg_transforms import LoadCheckedAnnotations

__all__ = ['CityscapesLayoutDataset', 'LoadCheckedAnnotations']
