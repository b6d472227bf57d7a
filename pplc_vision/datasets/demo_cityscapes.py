"""The embedded segmentation demo set: two public-domain scikit-image photos, Cityscapes layout.

Photos (CC0 / public domain, shipped inside scikit-image): ``camera`` (a man with a camera on a
lawn, sky and buildings behind) and ``rocket`` (a SpaceX launch pad at dusk). Their labels are
not hand-drawn: each is a documented rule over pixel values and image regions (below), with
every pixel that no rule claims left as 255 ("ignore"). Label ids are Cityscapes train ids, so
the demo trains the unchanged 19-class model; classes that do not occur score NaN in the table.

Rules (x, y in pixels of the stored image; I = grey value, R, G, B = colour values):

- camera (512x512, grey, stored as 3 equal channels):
  sky (10): y < 140 and I >= 185, outside the building at x 405..440 (the tower);
  person (11): I < 60 inside x < 340, y 55..512, excluding x > 225 for y > 300 (the tripod);
  terrain (9): y >= 250 and 90 <= I < 175 and x >= 420 (lawn right of the tripod), or
  y >= 300 and 90 <= I < 175 and 150 <= x < 225 (lawn between coat and tripod).
- rocket (640x427, colour):
  sky (10): y < 330 and B >= R + 20 and B >= G + 10 (the blue dusk sky);
  pole (5): max(R, G, B) < 45 and B < R + 10 and B < G + 8 and y < 360 (the dark lattice
  towers).
"""
from typing import Callable, Dict, List, Tuple

import numpy as np

from .cityscapes import IGNORE_INDEX, cityscapes_stem, write_cityscapes_sample

CITY = 'skimage'
SKY, PERSON, TERRAIN, POLE = 10, 11, 9, 5


def camera_labels(image: np.ndarray) -> np.ndarray:
    """Rule labels of scikit-image's ``camera`` (see the module docstring)."""
    grey = image[..., 0].astype(np.int32)
    h, w = grey.shape
    y, x = np.mgrid[:h, :w]
    label = np.full((h, w), IGNORE_INDEX, np.uint8)
    label[(y < 140) & (grey >= 185) & ~((x >= 405) & (x <= 440))] = SKY
    lawn = (grey >= 90) & (grey < 175)
    label[(y >= 250) & lawn & (x >= 420)] = TERRAIN
    label[(y >= 300) & lawn & (x >= 150) & (x < 225)] = TERRAIN
    tripod = (x > 225) & (y > 300)
    label[(grey < 60) & (x < 340) & (y >= 55) & ~tripod] = PERSON
    return label


def rocket_labels(image: np.ndarray) -> np.ndarray:
    """Rule labels of scikit-image's ``rocket`` (see the module docstring)."""
    r, g, b = (image[..., i].astype(np.int32) for i in range(3))
    h, w = r.shape
    y = np.mgrid[:h, :w][0]
    label = np.full((h, w), IGNORE_INDEX, np.uint8)
    label[(y < 330) & (b >= r + 20) & (b >= g + 10)] = SKY
    label[(np.maximum(np.maximum(r, g), b) < 45) & (b < r + 10) & (b < g + 8) & (y < 360)] = POLE
    return label


def _rgb(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3]


def demo_samples() -> List[Tuple[str, np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """(name, RGB image, labelling rule) of each demo photo."""
    from skimage import data  # optional dependency: only the demo writer needs its photos
    return [('camera', _rgb(data.camera()), camera_labels),
            ('rocket', _rgb(data.rocket()), rocket_labels)]


def make_demo_cityscapes(out_dir: str, splits: Tuple[str, ...] = ('train', )) -> Dict[str, int]:
    """Write the demo set under ``out_dir`` (each photo in each split); returns labelled pixels
    per class id."""
    counts: Dict[str, int] = {}
    for frame, (_, image, rule) in enumerate(demo_samples()):
        label = rule(image)
        for split in splits:
            write_cityscapes_sample(out_dir, split, CITY, cityscapes_stem(CITY, 0, frame),
                                    image, label)
        ids, n = np.unique(label, return_counts=True)
        for i, c in zip(ids.tolist(), n.tolist()):
            counts[str(i)] = counts.get(str(i), 0) + c
    return counts
