"""A small, seeded Fashion-MNIST subset in ImageNet folder layout (the embedded demo data
``data/demo_cls``, written by ``tools/dataset_converters/fashion_mnist_subset.py``).

Reads the IDX files of Fashion-MNIST (Debian package ``dataset-fashion-mnist``, MIT) through
:func:`pplc_vision.datasets.fashion_mnist.load_fashion_mnist` and writes
``train/<class>/*.png``, ``val/<class>/*.png`` and ``meta/classes.txt``. The same seed and
counts always give the same files, byte for byte.
"""
import os
import os.path as osp
import struct
import zlib
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .fashion_mnist import load_fashion_mnist

# Folder names sort in label order, so mmpretrain's CustomDataset gives folder i label i.
CLASS_NAMES: Tuple[str, ...] = (
    '0_tshirt_top', '1_trouser', '2_pullover', '3_dress', '4_coat', '5_sandal', '6_shirt',
    '7_sneaker', '8_bag', '9_ankle_boot')
# subset split -> the Fashion-MNIST split it is drawn from (the official test split is the val)
SOURCE_SPLITS: Dict[str, str] = {'train': 'train', 'val': 'test'}


def encode_png_gray(image: np.ndarray) -> bytes:
    """Encode a 2-D uint8 array as an 8-bit greyscale PNG (deterministic, stdlib only)."""
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f'expected a 2-D uint8 image, got {image.dtype} {image.shape}')
    height, width = image.shape

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return (struct.pack('>I', len(payload)) + tag + payload +
                struct.pack('>I', zlib.crc32(tag + payload) & 0xFFFFFFFF))

    raw = b''.join(b'\x00' + image[row].tobytes() for row in range(height))
    header = struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw, 9))
            + chunk(b'IEND', b''))


def select_per_class(labels: np.ndarray, per_class: int, num_classes: int,
                     rng: np.random.Generator) -> List[np.ndarray]:
    """For each class, ``per_class`` sample indices drawn without replacement."""
    chosen = []
    for label in range(num_classes):
        pool = np.flatnonzero(labels == label)
        if pool.size < per_class:
            raise ValueError(f'class {label} has {pool.size} samples, {per_class} requested')
        chosen.append(np.sort(rng.choice(pool, size=per_class, replace=False)))
    return chosen


def make_subset(src_dir: str, out_dir: str, train_per_class: int = 60, val_per_class: int = 20,
                seed: int = 0, class_names: Sequence[str] = CLASS_NAMES) -> Dict[str, int]:
    """Write the subset; returns the number of images written per split."""
    counts = {}
    rng = np.random.default_rng(seed)
    for split, per_class in (('train', train_per_class), ('val', val_per_class)):
        images, labels = load_fashion_mnist(src_dir, SOURCE_SPLITS[split], len(class_names))
        for label, indices in enumerate(select_per_class(labels, per_class, len(class_names),
                                                         rng)):
            folder = osp.join(out_dir, split, class_names[label])
            os.makedirs(folder, exist_ok=True)
            for index in indices:
                with open(osp.join(folder, f'{split}_{index:05d}.png'), 'wb') as f:
                    f.write(encode_png_gray(images[index]))
        counts[split] = per_class * len(class_names)
    os.makedirs(osp.join(out_dir, 'meta'), exist_ok=True)
    with open(osp.join(out_dir, 'meta', 'classes.txt'), 'w') as f:
        f.write('\n'.join(class_names) + '\n')
    return counts
