"""labelme's video-annotation example (5 street frames, classes background/car/truck) in the
Cityscapes layout.

Debian's ``labelme-examples`` (GPL packaging: install it, never vendor it) ships the frames as
``video_annotation/data_dataset_voc/JPEGImages/*.jpg`` (1000x563) with palette PNG labels in
``SegmentationClassPNG`` (0 background, 1 car, 2 truck; labelme's label file names the truck
"track"). :func:`convert_labelme_video` writes them as ``<city>_000000_<frame>`` samples.
"""
import glob
import os.path as osp
import subprocess
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

from .cityscapes import IGNORE_INDEX, cityscapes_stem, write_cityscapes_sample

CLASSES: Tuple[str, ...] = ('background', 'car', 'truck')
PALETTE: List[List[int]] = [[0, 0, 0], [0, 0, 142], [0, 0, 70]]  # car/truck as in Cityscapes
DEBIAN_PACKAGE = 'labelme-examples'
VOC_SUBDIR = osp.join('video_annotation', 'data_dataset_voc')
DEFAULT_EXAMPLES_DIR = '/usr/share/doc/labelme-examples/examples'


def find_labelme_video_dir() -> Optional[str]:
    """The ``data_dataset_voc`` folder of the installed package (``dpkg -L``), or ``None``."""
    candidates = [osp.join(DEFAULT_EXAMPLES_DIR, VOC_SUBDIR)]
    try:
        listed = subprocess.run(['dpkg', '-L', DEBIAN_PACKAGE], capture_output=True, text=True,
                                check=False).stdout.split()
        candidates += [p for p in listed if p.endswith(VOC_SUBDIR)]
    except FileNotFoundError:  # no dpkg on this system
        pass
    for folder in candidates:
        if osp.isdir(osp.join(folder, 'JPEGImages')):
            return folder
    return None


def read_labelme_video(voc_dir: str) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    """(frame name, RGB image, label ids) of each frame, at the original size."""
    images = sorted(glob.glob(osp.join(voc_dir, 'JPEGImages', '*.jpg')))
    if not images:
        raise FileNotFoundError(f'no JPEGImages/*.jpg under {voc_dir!r} '
                                f'(apt-get install {DEBIAN_PACKAGE})')
    frames = []
    for path in images:
        name = osp.splitext(osp.basename(path))[0]
        label_path = osp.join(voc_dir, 'SegmentationClassPNG', name + '.png')
        if not osp.isfile(label_path):
            raise FileNotFoundError(f'label {label_path!r} of image {path!r} does not exist')
        image = np.asarray(Image.open(path).convert('RGB'))
        label = np.asarray(Image.open(label_path))  # palette PNG: the indices are the ids
        if label.shape != image.shape[:2]:
            raise ValueError(f'label {label_path!r} is {label.shape[::-1]} (WxH), its image '
                             f'{image.shape[1::-1]}')
        bad = np.setdiff1d(np.unique(label), list(range(len(CLASSES))) + [IGNORE_INDEX])
        if bad.size:
            raise ValueError(f'label {label_path!r} has ids {bad.tolist()} outside {CLASSES}')
        frames.append((name, image, label))
    return frames


def convert_labelme_video(voc_dir: str, out_dir: str, size: Optional[Tuple[int, int]] = None,
                          split: str = 'train', city: str = 'labelme') -> List[str]:
    """Write the frames (resized to ``size`` = (w, h) if given: bilinear image, nearest label)
    under ``out_dir`` in the Cityscapes layout; returns the written image paths."""
    written = []
    for name, image, label in read_labelme_video(voc_dir):
        if size is not None:
            image = np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))
            label = np.asarray(Image.fromarray(label).resize(size, Image.NEAREST))
        stem = cityscapes_stem(city, 0, int(name) if name.isdigit() else len(written))
        written.append(write_cityscapes_sample(out_dir, split, city, stem, image,
                                               label)['img_path'])
    return written
