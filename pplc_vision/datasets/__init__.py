"""Datasets and data preparation: checked datasets (Cityscapes layout in mmseg, COCO files in
mmdet, ImageNet-layout folders, PaddleClas label lists and in-memory Fashion-MNIST in
mmpretrain) and the demo data converters. Each is imported where its library is installed
(:mod:`pplc_vision.registry`)."""
from ..registry import scope_installed
from .checked_pipeline import LoadImageChecked  # noqa: F401  (all scopes)

if scope_installed('mmseg'):
    from .cityscapes import CityscapesLayoutDataset  # noqa: F401
    from .seg_transforms import LoadCheckedAnnotations  # noqa: F401
if scope_installed('mmdet'):
    from .coco_file import CocoFileDataset, CocoFileMetric  # noqa: F401
    from .det_transforms import PaddleDetRandomCrop, PaddleDetRandomDistort  # noqa: F401
if scope_installed('mmpretrain'):
    from .fashion_mnist import FashionMNISTIdx  # noqa: F401
    from .image_folder import CheckedImageFolder, CheckedImageNet  # noqa: F401
    from .paddleclas_list import PaddleClasList  # noqa: F401
    from .paddleclas_transforms import (  # noqa: F401
        PaddleClasCenterCrop, PaddleClasRandCropImage, PaddleClasResizeShort)
