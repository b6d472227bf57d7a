"""The detection parity tests' batch: the two demo photos (data/demo_coco) with their boxes
through PaddleDetection's own training operators (the paddledet wheel): a square resize
(BatchRandomResize's ``Resize``, bicubic), NormalizeImage, Permute."""
import importlib
import json
import os
from typing import List

import cv2
import numpy as np

from pplc_vision.references import paddledet as ref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, 'data', 'demo_coco')


def demo_samples(size: int) -> List[dict]:
    """ppdet samples (``image`` CHW float32, ``gt_bbox`` xyxy, ``gt_class`` ``[n, 1]`` int32
    labels 0..11 in category-id order, ``im_id``, ``im_shape``, ``scale_factor``) of the demo
    photos resized to ``size`` x ``size``."""
    ops = importlib.import_module('ppdet.data.transform.operators')
    ann = json.load(open(os.path.join(DEMO, 'annotations.json')))
    label_of = {c['id']: i for i, c in enumerate(sorted(ann['categories'],
                                                        key=lambda c: c['id']))}
    samples = []
    for image in ann['images']:
        rgb = cv2.imread(os.path.join(DEMO, 'images', image['file_name']))[:, :, ::-1]
        boxes = [a for a in ann['annotations'] if a['image_id'] == image['id']]
        sample = dict(
            image=np.ascontiguousarray(rgb), im_id=np.array([image['id']]),
            im_shape=np.array(rgb.shape[:2], np.float32),
            scale_factor=np.array([1.0, 1.0], np.float32),
            gt_bbox=np.array([[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in boxes)],
                             np.float32),
            gt_class=np.array([[label_of[a['category_id']]] for a in boxes], np.int32))
        for op in (ops.Resize(target_size=[size, size], keep_ratio=False, interp=2),
                   ops.NormalizeImage(mean=list(ref.MEAN), std=list(ref.STD), is_scale=True),
                   ops.Permute()):
            sample = op(sample)
        samples.append(sample)
    return samples
