"""The real-data run: Fashion-MNIST read in memory from Debian's IDX files (FashionMNISTIdx), and
a short version of configs/cls/pplcnet_0.5x_fashion-mnist.py that must reach its bar."""
import gzip
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS

import pplc_vision  # noqa: F401
from pplc_vision.datasets.fashion_mnist import DEBIAN_ROOT, IDX_FILES

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/cls/pplcnet_0.5x_fashion-mnist.py'


def test_fashion_mnist_is_installed():
    # tools/run_tests.sh installs it; its absence fails here once rather than skipping the runs
    missing = [name for names in IDX_FILES.values() for name in names
               if not osp.isfile(osp.join(DEBIAN_ROOT, name + '.gz'))]
    assert not missing, \
        f'{missing} missing under {DEBIAN_ROOT}: apt-get install dataset-fashion-mnist'


# The short run: the first 10,000 training images, 3 epochs, tested on the first 2,000 test
# images. Measured: 79.25% top-1, 99.6% top-5 (chance: 10%); 3.5 min for train + test with 1
# thread on a busy 2-core machine. Bar: 75% top-1.
SHORT_RUN = ['train_dataloader.dataset.indices=10000', 'val_dataloader.dataset.indices=2000',
             'test_dataloader.dataset.indices=2000', 'train_cfg.max_epochs=3',
             'train_cfg.val_interval=3', 'default_hooks.checkpoint.interval=3']
SHORT_RUN_BAR = 75.0


def build(**kwargs):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DATASETS.build(dict(type='FashionMNISTIdx', **kwargs))


def test_reads_the_debian_files():
    train, test = build(split='train'), build(split='test', channels=1)
    assert (len(train), len(test)) == (60000, 10000)
    assert train.metainfo['classes'][0] == 'T-shirt/top' and len(train.metainfo['classes']) == 10
    image = train.get_data_info(0)['img']
    assert image.shape == (28, 28, 3) and image.dtype == np.uint8
    assert np.array_equal(image[..., 0], image[..., 2])
    assert test.get_data_info(0)['img'].shape == (28, 28)
    labels = np.array([int(test.get_data_info(i)['gt_label']) for i in range(len(test))])
    assert np.bincount(labels).tolist() == [1000] * 10


def test_reads_uncompressed_files_and_subsets(tmp_path):
    for names in IDX_FILES.values():
        for name in names:
            with gzip.open(osp.join(DEBIAN_ROOT, name + '.gz')) as src, \
                    open(tmp_path / name, 'wb') as dst:
                shutil.copyfileobj(src, dst)
    subset = build(data_root=str(tmp_path), split='test', indices=50)
    full = build(split='test')
    assert len(subset) == 50
    assert np.array_equal(subset.get_data_info(49)['img'], full.get_data_info(49)['img'])


def test_bad_input_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        build(data_root=str(tmp_path), split='train')
    assert str(info.value).startswith(
        f"{tmp_path / 'train-images-idx3-ubyte'}[.gz] not found: data_root must hold the "
        'Fashion-MNIST IDX files')
    with pytest.raises(ValueError, match=r"split must be one of \['train', 'test'\], got 'val'"):
        build(data_root=str(tmp_path), split='val')
    with pytest.raises(ValueError, match='never downloads'):
        build(data_root=str(tmp_path), download=True)
    (tmp_path / 't10k-labels-idx1-ubyte').write_bytes(
        b'\x00\x00\x08\x01' + np.array([10], '>u4').tobytes() + bytes(10))
    images = tmp_path / 't10k-images-idx3-ubyte'
    header = b'\x00\x00\x08\x03' + np.array([10, 28, 28], '>u4').tobytes()
    malformed = {
        'truncated': header + bytes(100),
        'too long': header + bytes(10 * 28 * 28 + 1),
        'bad magic': b'\x00\x00\x08\x07' + bytes(100),
        'unknown type': b'\x00\x00\x0a\x03' + bytes(100),
        'empty': b'',
    }
    for what, data in malformed.items():
        images.write_bytes(data)
        with pytest.raises(ValueError) as info:
            build(data_root=str(tmp_path), split='test')
        assert str(info.value) == (f'{images}: not a complete IDX file (bad header, truncated '
                                   'or corrupt data)'), what
    images.write_bytes(b'\x00\x00\x0c\x03' + np.array([10, 28, 28], '>u4').tobytes() +
                       bytes(4 * 10 * 28 * 28))  # int32 data
    with pytest.raises(ValueError, match='IDX data of type torch.int32, expected unsigned bytes'):
        build(data_root=str(tmp_path), split='test')
    images.unlink()
    gz = tmp_path / 't10k-images-idx3-ubyte.gz'
    gz.write_bytes(gzip.compress(header + bytes(10 * 28 * 28))[:-12])  # cut inside the stream
    with pytest.raises(ValueError, match=f'^{gz}: not a complete IDX file'):
        build(data_root=str(tmp_path), split='test')
    gz.write_bytes(b'not gzip at all')
    with pytest.raises(ValueError, match=f'^{gz}: not a complete IDX file'):
        build(data_root=str(tmp_path), split='test')
    gz.write_bytes(gzip.compress(header + bytes(10 * 28 * 28)))
    assert len(build(data_root=str(tmp_path), split='test')) == 10  # the same files, complete


@pytest.mark.slow
def test_short_run_reaches_bar(tmp_path):
    """tools/train.py then tools/test.py on a subset: top-1 >= SHORT_RUN_BAR."""
    work = str(tmp_path / 'work')
    common = ['--cfg-options', *SHORT_RUN]
    train = subprocess.run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work,
                            *common], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert train.returncode == 0, train.stderr[-3000:]
    ckpt = osp.join(work, 'epoch_3.pth')
    test = subprocess.run([sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir',
                           str(tmp_path / 'test'), *common], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert test.returncode == 0, test.stderr[-3000:]
    top1, top5 = map(float, re.search(r'accuracy/top1=([\d.]+), accuracy/top5=([\d.]+)',
                                      test.stdout).groups())
    assert top1 >= SHORT_RUN_BAR and top5 >= top1, test.stdout[-2000:]
