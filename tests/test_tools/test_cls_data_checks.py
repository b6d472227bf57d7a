"""Bad classification data gives one-line errors naming the path (CheckedImageNet,
CheckedImageFolder, LoadImageChecked), where mmpretrain only warns or asserts."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS, TRANSFORMS

import pplc_vision  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(ROOT, 'data', 'demo_cls')
CLASSES = osp.join(DEMO, 'meta', 'classes.txt')
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def copy_demo(tmp_path, per_class: int = 2) -> str:
    """A small copy of the demo folder layout: train/<class>/ with ``per_class`` images."""
    root = tmp_path / 'data'
    for name in sorted(os.listdir(osp.join(DEMO, 'train'))):
        (root / 'train' / name).mkdir(parents=True)
        for file in sorted(os.listdir(osp.join(DEMO, 'train', name)))[:per_class]:
            shutil.copy(osp.join(DEMO, 'train', name, file), root / 'train' / name / file)
    return str(root)


def build(cfg: dict):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DATASETS.build(cfg)


def folder_dataset(root: str, **kwargs):
    return build(dict(type='CheckedImageFolder', data_root=root, data_prefix='train',
                      classes=CLASSES, pipeline=PIPELINE, **kwargs))


def test_good_folder_loads(tmp_path):
    dataset = folder_dataset(copy_demo(tmp_path))
    assert len(dataset) == 20 and dataset.get_data_info(2)['gt_label'] == 1
    assert tuple(dataset[0]['inputs'].shape) == (3, 28, 28)


def test_empty_class_folder_is_an_error(tmp_path):
    root = copy_demo(tmp_path)
    empty = osp.join(root, 'train', '3_dress')
    for file in os.listdir(empty):
        os.remove(osp.join(empty, file))
    with pytest.raises(ValueError) as info:
        folder_dataset(root)
    assert str(info.value).startswith(f'CheckedImageFolder: class folder {empty!r} has no '
                                      'images (1 of 10 class folders empty;')
    assert len(folder_dataset(root, allow_empty_classes=True)) == 18  # mmpretrain's behaviour


def test_class_count_mismatch_is_an_error(tmp_path):
    root = copy_demo(tmp_path)
    shutil.rmtree(osp.join(root, 'train', '9_ankle_boot'))
    with pytest.raises(ValueError) as info:
        folder_dataset(root)
    assert str(info.value) == (f"CheckedImageFolder: {osp.join(root, 'train')!r} has 9 class "
                               'folders, expected 10 (one per class of metainfo)')
    # ImageNet's 1000 classes against the 9 folders
    with pytest.raises(ValueError, match=r'has 9 class folders, expected 1000'):
        build(dict(type='CheckedImageNet', data_root=root, split='train', pipeline=PIPELINE))


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"image folder '.*train' does not exist"):
        build(dict(type='CheckedImageNet', data_root=str(tmp_path), split='train',
                   pipeline=PIPELINE))


def test_annotation_list_labels_are_checked(tmp_path):
    root = copy_demo(tmp_path)
    (tmp_path / 'data' / 'meta').mkdir()
    ann = tmp_path / 'data' / 'meta' / 'train.txt'
    ann.write_text('0_tshirt_top/' + os.listdir(osp.join(root, 'train', '0_tshirt_top'))[0]
                   + ' 12\n')
    with pytest.raises(ValueError, match=r"'.*train.txt' has labels \[12\] outside 0..9"):
        build(dict(type='CheckedImageNet', data_root=root, split='train', classes=CLASSES,
                   pipeline=PIPELINE))
    ann.write_text('0_tshirt_top/' + os.listdir(osp.join(root, 'train', '0_tshirt_top'))[0]
                   + ' 0\n')
    with pytest.raises(ValueError, match=r"has no image of 9 of the 10 classes, first: label 1 "
                                         r"\('1_trouser'\)"):
        build(dict(type='CheckedImageNet', data_root=root, split='train', classes=CLASSES,
                   pipeline=PIPELINE))


@pytest.mark.parametrize('content', [b'', b'not a png at all', None], ids=['empty', 'garbage',
                                                                             'truncated'])
def test_unreadable_image_is_an_error(tmp_path, content):
    root = copy_demo(tmp_path)
    folder = osp.join(root, 'train', '2_pullover')
    bad = osp.join(folder, sorted(os.listdir(folder))[0])
    data = open(bad, 'rb').read()
    with open(bad, 'wb') as f:
        f.write(data[:20] if content is None else content)
    dataset = folder_dataset(root)
    index = next(i for i in range(len(dataset)) if dataset.get_data_info(i)['img_path'] == bad)
    with pytest.raises(ValueError) as info:
        dataset[index]
    reason = 'empty file' if content == b'' else 'corrupt or not an image'
    assert str(info.value) == (f'cannot decode image {bad!r} ({osp.getsize(bad)} bytes): '
                               f'{reason}; replace or remove the file')


def test_missing_image_is_an_error(tmp_path):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        load = TRANSFORMS.build(dict(type='LoadImageChecked'))
    missing = str(tmp_path / 'gone.png')
    with pytest.raises(FileNotFoundError, match=f'image {missing!r} does not exist'):
        load(dict(img_path=missing))


def test_train_tool_reports_empty_class_folder(tmp_path):
    """Through tools/train.py: the last line of stderr is the dataset's one-line error."""
    root = copy_demo(tmp_path)
    empty = osp.join(root, 'train', '5_sandal')
    shutil.rmtree(empty)
    os.mkdir(empty)
    config = osp.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_in1k.py')
    options = [f'train_dataloader.dataset.data_root={root}',
               f'train_dataloader.dataset.classes={CLASSES}', 'model.head.num_classes=10',
               'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False']
    proc = subprocess.run([sys.executable, 'tools/train.py', config, '--work-dir',
                           str(tmp_path / 'work'), '--cfg-options', *options], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].endswith(
        f'CheckedImageNet: class folder {empty!r} has no images (1 of 10 class folders empty; '
        'image extensions: .bmp, .jpeg, .jpg, .pgm, .png, .ppm, .tif)')
