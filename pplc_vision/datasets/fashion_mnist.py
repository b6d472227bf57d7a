"""Fashion-MNIST read in memory from its four IDX files (as Debian's ``dataset-fashion-mnist``
installs them), for the real-data classification run: :class:`FashionMNISTIdx`, and the file
lookup and reading it uses (:func:`load_fashion_mnist`, also used by the tests and by
:mod:`pplc_vision.datasets.fashion_mnist_subset`).

mmpretrain's ``FashionMNIST`` only reads uncompressed IDX files and otherwise downloads them, and
picks the test files from ``test_mode`` rather than ``split``; :class:`FashionMNISTIdx` keeps its
classes and sample format (``img`` array + ``gt_label``) but reads ``*.gz`` or plain files
from ``data_root``, never downloads, and selects the files by ``split``. The IDX parsing is
mmpretrain's (``read_sn3_pascalvincent_tensor``); its bare assertions become one line naming the
file (:class:`~.errors.DataError`).
"""
import gzip
import os.path as osp
import warnings
import zlib
from typing import Dict, List, Tuple

import numpy as np
import torch
from mmpretrain.datasets import FashionMNIST
from mmpretrain.datasets.mnist import read_sn3_pascalvincent_tensor
from mmpretrain.registry import DATASETS

from .errors import DataError, MissingDataError

DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist'
IDX_FILES: Dict[str, Tuple[str, str]] = {
    'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
}
# what mmpretrain's reader raises on a malformed file (bad magic, truncated or corrupt gzip)
MALFORMED_IDX_ERRORS = (AssertionError, KeyError, ValueError, RuntimeError, EOFError,
                        gzip.BadGzipFile, zlib.error)


def find_idx_file(root: str, name: str) -> str:
    """``root/name.gz`` or ``root/name``, whichever exists; a one-line error otherwise."""
    for candidate in (osp.join(root, name + '.gz'), osp.join(root, name)):
        if osp.isfile(candidate):
            return candidate
    raise MissingDataError(f'{osp.join(root, name)}[.gz] not found: data_root must hold the '
                            'Fashion-MNIST IDX files (apt-get install dataset-fashion-mnist '
                            f'puts them in {DEBIAN_ROOT})')


def read_idx(path: str) -> np.ndarray:
    """A (gzipped) IDX file of unsigned bytes as a writable array; one-line error if malformed."""
    try:
        with warnings.catch_warnings():
            # the reader wraps the file's bytes without a copy; the copy below makes it safe
            warnings.filterwarnings('ignore', message='The given NumPy array is not writable')
            data = read_sn3_pascalvincent_tensor(path, strict=True)
    except MALFORMED_IDX_ERRORS:
        raise DataError(f'{path}: not a complete IDX file (bad header, truncated or corrupt '
                         'data)') from None
    if data.dtype != torch.uint8:
        raise DataError(f'{path}: IDX data of type {data.dtype}, expected unsigned bytes')
    return data.numpy().copy()


def load_fashion_mnist(root: str, split: str, num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
    """Images ``(N, 28, 28)`` uint8 and labels ``(N,)`` of one split, checked."""
    image_file, label_file = (find_idx_file(root, name) for name in IDX_FILES[split])
    images, labels = read_idx(image_file), read_idx(label_file)
    if images.ndim != 3:
        raise DataError(f'{image_file}: expected (N, H, W) images, got shape {images.shape}')
    if labels.shape != images.shape[:1]:
        raise DataError(f'{label_file}: {labels.shape[0] if labels.ndim else 0} labels for '
                         f'{images.shape[0]} images in {image_file}')
    if labels.size and labels.max() >= num_classes:
        raise DataError(f'{label_file}: label {labels.max()} outside 0..{num_classes - 1}')
    return images, labels


@DATASETS.register_module()
class FashionMNISTIdx(FashionMNIST):
    """mmpretrain's ``FashionMNIST`` read from local (gzipped) IDX files, without download.

    Args:
        data_root: Folder of ``train-images-idx3-ubyte[.gz]`` and the three other files.
        split: ``'train'`` (60,000 images) or ``'test'`` (10,000 images).
        channels: 3 serves each grey image as an (H, W, 3) array of equal channels (what
            ImageNet-style pipelines and backbones expect); 1 keeps (H, W).
        **kwargs: ``BaseDataset`` arguments (``pipeline``, ``indices`` for a subset, ...).
    """

    def __init__(self, data_root: str = DEBIAN_ROOT, split: str = 'train', channels: int = 3,
                 **kwargs) -> None:
        if split not in IDX_FILES:
            raise ValueError(f'FashionMNISTIdx: split must be one of {list(IDX_FILES)}, '
                             f'got {split!r}')
        if channels not in (1, 3):
            raise ValueError(f'FashionMNISTIdx: channels must be 1 or 3, got {channels}')
        if kwargs.pop('download', False):
            raise ValueError('FashionMNISTIdx never downloads: install the IDX files '
                             f'(apt-get install dataset-fashion-mnist) or point data_root at them')
        self.channels = channels
        super().__init__(data_root=data_root, split=split, download=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        """One ``dict(img=(28, 28) uint8, gt_label=int64)`` per image, in file order."""
        images, labels = load_fashion_mnist(self.data_prefix['root'], self.split,
                                            len(self.METAINFO['classes']))
        return [dict(img=image, gt_label=np.array(label, dtype=np.int64))
                for image, label in zip(images, labels)]

    def get_data_info(self, idx: int) -> dict:
        """The sample, its grey image repeated to 3 channels when ``channels == 3``."""
        info = super().get_data_info(idx)
        if self.channels == 3 and info['img'].ndim == 2:
            info['img'] = np.repeat(info['img'][..., None], 3, axis=2)
        return info
