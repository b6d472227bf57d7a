"""Loading of segmentation label maps with checks of their values and size."""
from typing import Optional

import numpy as np
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations``, then two checks that raise a one-line error naming the file.

    - Values: every pixel must be a class id (``0 .. num_classes - 1``) or ``ignore_index``.
      Other ids are an error, not silently ignored: they mean a wrong label file (the classic
      case is Cityscapes' ``*_labelIds.png``, ids up to 33, instead of ``*_labelTrainIds.png``).
    - Size: the label map must have the size of the image as loaded (``ori_shape``), so the
      transform works both before and after a ``Resize`` of the image.

    ``num_classes`` comes from the sample (:class:`CityscapesLayoutDataset` sets it) or from
    the argument; with neither, only the size is checked.
    """

    def __init__(self, num_classes: Optional[int] = None, ignore_index: int = 255,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def _load_seg_map(self, results: dict) -> None:
        super()._load_seg_map(results)
        seg = results['gt_seg_map']
        path = results.get('seg_map_path')
        ori_shape = results.get('ori_shape')
        if ori_shape is not None and tuple(seg.shape[:2]) != tuple(ori_shape[:2]):
            raise ValueError(f'label map {path!r} is {seg.shape[1]}x{seg.shape[0]} (WxH) but '
                             f'its image {results.get("img_path")!r} is '
                             f'{ori_shape[1]}x{ori_shape[0]}')
        num_classes = results.get('num_classes', self.num_classes)
        if num_classes is None:
            return
        values = np.unique(seg)
        bad = values[(values >= num_classes) & (values != self.ignore_index)]
        if bad.size:
            raise ValueError(
                f'label map {path!r} has ids {bad.tolist()[:10]} outside the {num_classes} '
                f'classes (0..{num_classes - 1}) and the ignore id {self.ignore_index}; '
                'Cityscapes needs *_gtFine_labelTrainIds.png, not *_labelIds.png')

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
