"""Damaged data of the three tasks reaches the tools as one ``error:`` line naming the file.

Each case damages one file of a tiny dataset (images, COCO / Cityscapes / ImageNet-folder
annotations, label maps, Fashion-MNIST IDX files, videos), touches it as a run does (the dataset
is built, the sample read, the video decoded) inside the tools' own error path (``run_tool``
and ``one_line_errors``, what tools/train.py and tools/test.py run), and checks: exit status 1,
exactly one ``error:`` line, which names the damaged file, and no traceback. One case per task
goes through tools/train.py's ``main`` with the whole Runner.
"""
import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Callable, Dict, Tuple

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DATASETS, init_default_scope

import pplc_vision  # noqa: F401
from pplc_vision.apis import run_tool
from pplc_vision.apis.runs import one_line_errors
from pplc_vision.datasets.cityscapes import write_cityscapes_sample
from pplc_vision.deploy.inputs import read_video

from helpers import error_lines, load_tool, write_coco_dataset

ROOT = Path(__file__).resolve().parents[2]
DEMO_CLS = ROOT / 'data' / 'demo_cls'
CLS_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
DET_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                dict(type='PackDetInputs')]
SEG_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')]
# A case damages data under a folder and returns (what touches it as a run does, the file or
# folder the error line must name).
Case = Callable[[Path], Tuple[Callable[[], object], str]]


def read_all(dataset) -> None:
    for i in range(len(dataset)):
        dataset[i]


# ------------------------------------------------------------------ classification (folders)
def cls_root(tmp: Path) -> Path:
    """The demo's train/<class>/ layout, one image per class, and meta/classes.txt."""
    root = tmp / 'cls'
    for name in sorted(os.listdir(DEMO_CLS / 'train')):
        (root / 'train' / name).mkdir(parents=True)
        first = sorted(os.listdir(DEMO_CLS / 'train' / name))[0]
        shutil.copy(DEMO_CLS / 'train' / name / first, root / 'train' / name / first)
    (root / 'meta').mkdir()
    shutil.copy(DEMO_CLS / 'meta' / 'classes.txt', root / 'meta' / 'classes.txt')
    return root


def cls_dataset(root: Path, **kwargs):
    init_default_scope('mmpretrain')
    return DATASETS.build(dict(type='CheckedImageNet', data_root=str(root), split='train',
                               classes=str(root / 'meta' / 'classes.txt'),
                               pipeline=CLS_PIPELINE, **kwargs))


def cls_image(content: Callable[[bytes], bytes]) -> Case:
    def case(tmp: Path):
        root = cls_root(tmp)
        image = sorted((root / 'train').rglob('*.png'))[3]
        image.write_bytes(content(image.read_bytes()))
        return lambda: read_all(cls_dataset(root)), str(image)
    return case


def cls_list(text: str) -> Case:
    def case(tmp: Path):
        root = cls_root(tmp)
        first = sorted((root / 'train').rglob('*.png'))[0].relative_to(root / 'train')
        ann = root / 'meta' / 'train.txt'
        ann.write_text(text.format(first=first))
        return lambda: cls_dataset(root, ann_file='meta/train.txt'), str(ann)
    return case


def cls_empty_class(tmp: Path):
    root = cls_root(tmp)
    folder = root / 'train' / '4_coat'
    for file in folder.iterdir():
        file.unlink()
    return lambda: cls_dataset(root), str(folder)


def cls_missing_class(tmp: Path):
    root = cls_root(tmp)
    shutil.rmtree(root / 'train' / '9_ankle_boot')
    return lambda: cls_dataset(root), str(root / 'train')


def idx_file(content: Callable[[bytes], bytes]) -> Case:
    """Fashion-MNIST IDX files (the classification demo's data) with a damaged label file."""
    def case(tmp: Path):
        root = tmp / 'fmnist'
        root.mkdir()
        images = np.zeros((4, 28, 28), np.uint8)
        header = lambda dims: (b'\x00\x00\x08' + bytes([len(dims)])  # noqa: E731
                               + b''.join(int(d).to_bytes(4, 'big') for d in dims))
        for split in ('t10k', ):
            (root / f'{split}-images-idx3-ubyte').write_bytes(header(images.shape)
                                                               + images.tobytes())
            labels = header((4, )) + bytes([0, 1, 2, 3])
            (root / f'{split}-labels-idx1-ubyte.gz').write_bytes(gzip.compress(content(labels)))
        label_file = str(root / 't10k-labels-idx1-ubyte.gz')
        init_default_scope('mmpretrain')
        return lambda: DATASETS.build(dict(type='FashionMNISTIdx', data_root=str(root),
                                           split='test', pipeline=[])), label_file
    return case


# ------------------------------------------------------------------ detection (COCO files)
def coco_dataset(split, pipeline=DET_PIPELINE):
    init_default_scope('mmdet')
    return DATASETS.build(dict(type='CocoFileDataset', data_root=str(split.root),
                               ann_file=str(split.ann_file),
                               data_prefix=dict(img=str(split.img_dir) + '/'),
                               pipeline=pipeline))


def coco_edit(edit: Callable[[Dict], None]) -> Case:
    def case(tmp: Path):
        split = write_coco_dataset(tmp / 'coco')
        coco = json.loads(split.ann_file.read_text())
        edit(coco)
        split.ann_file.write_text(json.dumps(coco))
        return lambda: coco_dataset(split), str(split.ann_file)
    return case


def coco_bytes(content: Callable[[bytes], bytes]) -> Case:
    def case(tmp: Path):
        split = write_coco_dataset(tmp / 'coco')
        split.ann_file.write_bytes(content(split.ann_file.read_bytes()))
        return lambda: coco_dataset(split), str(split.ann_file)
    return case


def coco_missing(tmp: Path):
    split = write_coco_dataset(tmp / 'coco')
    split.ann_file.unlink()
    return lambda: coco_dataset(split), str(split.ann_file)


def coco_image(content: Callable[[bytes], bytes]) -> Case:
    def case(tmp: Path):
        split = write_coco_dataset(tmp / 'coco')
        image = sorted(split.img_dir.glob('*.jpg'))[1]
        image.write_bytes(content(image.read_bytes()))
        return lambda: read_all(coco_dataset(split)), str(image)
    return case


def coco_resized_image(tmp: Path):
    split = write_coco_dataset(tmp / 'coco')
    image = sorted(split.img_dir.glob('*.jpg'))[0]
    cv2.imwrite(str(image), np.zeros((100, 128, 3), np.uint8))  # its record says 128x128
    return lambda: read_all(coco_dataset(split)), str(image)


def set_field(section: str, field: str, value) -> Callable[[Dict], None]:
    def edit(coco: Dict) -> None:
        coco[section][0][field] = value
    return edit


def drop_field(section: str, field: str) -> Callable[[Dict], None]:
    def edit(coco: Dict) -> None:
        del coco[section][0][field]
    return edit


def repeat_first(section: str) -> Callable[[Dict], None]:
    def edit(coco: Dict) -> None:
        coco[section].append(dict(coco[section][0]))
    return edit


# ------------------------------------------------------------------ segmentation (Cityscapes)
def seg_root(tmp: Path) -> Path:
    root = tmp / 'cityscapes'
    rng = np.random.RandomState(0)
    for i in range(2):
        write_cityscapes_sample(str(root), 'train', 'tiny', f'tiny_000000_00000{i}',
                                rng.randint(0, 256, (64, 128, 3), dtype=np.uint8),
                                np.full((64, 128), i, np.uint8))
    return root


def seg_dataset(root: Path):
    init_default_scope('mmseg')
    return DATASETS.build(dict(
        type='CityscapesLayoutDataset', data_root=str(root),
        data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=SEG_PIPELINE))


def seg_file(kind: str, content: Callable[[Path], None]) -> Case:
    """Damage the second image (``kind='leftImg8bit'``) or label map (``'gtFine'``)."""
    def case(tmp: Path):
        root = seg_root(tmp)
        target = sorted((root / kind).rglob('*.png'))[1]
        content(target)
        return lambda: read_all(seg_dataset(root)), str(target)
    return case


def seg_missing_folder(tmp: Path):
    root = seg_root(tmp)
    shutil.rmtree(root / 'gtFine')
    return lambda: seg_dataset(root), str(root / 'gtFine' / 'train')


def write_png(array: np.ndarray) -> Callable[[Path], None]:
    return lambda path: cv2.imwrite(str(path), array)


def write_bytes(content: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content(path.read_bytes()))


# ------------------------------------------------------------------ videos
def video(content: Callable[[bytes], bytes]) -> Case:
    def case(tmp: Path):
        path = tmp / 'clip.avi'
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5, (64, 48))
        rng = np.random.RandomState(0)
        for _ in range(6):
            writer.write(rng.randint(0, 256, (48, 64, 3), dtype=np.uint8))
        writer.release()
        path.write_bytes(content(path.read_bytes()))
        return lambda: list(read_video(str(path))), str(path)
    return case


EMPTY = lambda data: b''  # noqa: E731
TEXT = lambda data: b'this is a text file, not the data\n'  # noqa: E731
HALF = lambda data: data[:len(data) // 2]  # noqa: E731
HEAD = lambda data: data[:40]  # noqa: E731

CASES: Dict[str, Case] = {
    # classification: ImageNet folder layout, annotation list, Fashion-MNIST
    'cls-image-empty': cls_image(EMPTY),
    'cls-image-text': cls_image(TEXT),
    'cls-image-truncated': cls_image(HEAD),
    'cls-list-no-label': cls_list('{first}\n'),
    'cls-list-label-not-a-number': cls_list('{first} coat\n'),
    'cls-list-label-outside': cls_list('{first} 12\n'),
    'cls-empty-class-folder': cls_empty_class,
    'cls-missing-class-folder': cls_missing_class,
    'idx-labels-truncated': idx_file(HALF),
    'idx-labels-text': idx_file(TEXT),
    # detection: the COCO file and its images
    'coco-missing': coco_missing,
    'coco-empty': coco_bytes(EMPTY),
    'coco-truncated': coco_bytes(HALF),
    'coco-not-an-object': coco_bytes(lambda data: b'[1, 2, 3]'),
    'coco-no-images-section': coco_edit(lambda coco: coco.pop('images')),
    'coco-no-images': coco_edit(lambda coco: coco.update(images=[], annotations=[])),
    'coco-no-categories': coco_edit(lambda coco: coco.update(categories=[])),
    'coco-image-without-file-name': coco_edit(drop_field('images', 'file_name')),
    'coco-image-negative-height': coco_edit(set_field('images', 'height', -5)),
    'coco-image-record-a-string': coco_edit(lambda coco: coco['images'].append('000003.jpg')),
    'coco-bbox-3-numbers': coco_edit(set_field('annotations', 'bbox', [1, 2, 3])),
    'coco-bbox-string': coco_edit(set_field('annotations', 'bbox', '10 12 60 68')),
    'coco-bbox-nan': coco_edit(set_field('annotations', 'bbox', [1, 2, float('nan'), 4])),
    'coco-annotation-without-category': coco_edit(drop_field('annotations', 'category_id')),
    'coco-undefined-category': coco_edit(set_field('annotations', 'category_id', 7)),
    'coco-undefined-image': coco_edit(set_field('annotations', 'image_id', 99)),
    'coco-repeated-image-id': coco_edit(repeat_first('images')),
    'coco-repeated-annotation-id': coco_edit(repeat_first('annotations')),
    'coco-image-empty': coco_image(EMPTY),
    'coco-image-text': coco_image(TEXT),
    'coco-image-truncated': coco_image(HEAD),
    'coco-image-size-not-its-record': coco_resized_image,
    # segmentation: Cityscapes layout, images and label maps
    'seg-image-empty': seg_file('leftImg8bit', write_bytes(EMPTY)),
    'seg-image-text': seg_file('leftImg8bit', write_bytes(TEXT)),
    'seg-label-empty': seg_file('gtFine', write_bytes(EMPTY)),
    'seg-label-text': seg_file('gtFine', write_bytes(TEXT)),
    'seg-label-truncated': seg_file('gtFine', write_bytes(HEAD)),
    'seg-label-colour': seg_file('gtFine', write_png(np.zeros((64, 128, 3), np.uint8) + 1)),
    'seg-label-ids-outside': seg_file('gtFine', write_png(np.full((64, 128), 33, np.uint8))),
    'seg-label-other-size': seg_file('gtFine', write_png(np.zeros((32, 64), np.uint8))),
    'seg-label-missing': seg_file('gtFine', lambda path: path.unlink()),
    'seg-missing-label-folder': seg_missing_folder,
    # videos (tools/deploy_predict.py and the video demos read them)
    'video-empty': video(EMPTY),
    'video-text': video(TEXT),
    'video-truncated': video(lambda data: data[:int(len(data) * 0.6)]),
}


def deploy_status(touch: Callable[[], object], monkeypatch) -> int:
    """tools/deployment/infer.py's ``main`` (exit status 2 for bad input) with its run reduced
    to reading the inputs (reading a video needs no model)."""
    infer = load_tool('deployment/infer')
    monkeypatch.setattr(infer, 'run', lambda args: touch())
    monkeypatch.setattr('sys.argv', ['infer.py', 'config.py', 'model.onnx', 'input'])
    return infer.main()


def train_tool_status(touch: Callable[[], object]) -> int:
    """The error path of tools/train.py and tools/test.py around a touch of the data."""
    def run(argv):
        with one_line_errors(Config(), 'config.py'):
            touch()
    return run_tool(run, [])


@pytest.mark.parametrize('name', sorted(CASES))
def test_damaged_input_is_one_error_line_naming_the_file(name, tmp_path, capsys, monkeypatch):
    touch, damaged = CASES[name](tmp_path)
    deploy = name.startswith('video')
    status = deploy_status(touch, monkeypatch) if deploy else train_tool_status(touch)
    out, err = capsys.readouterr()
    assert status == (2 if deploy else 1), f'{name}: status {status}\n{out + err}'
    errors = error_lines(out + err)
    assert len(errors) == 1, out + err
    assert damaged in errors[0], errors[0]
    assert 'Traceback' not in out + err
    assert 'config.py' not in errors[0], errors[0]  # said as data, not blamed on the config


@pytest.mark.parametrize('config, case, data_root', [
    ('configs/det/picodet_pplcnet_1x_demo-voc.py', 'coco-bbox-3-numbers', 'coco'),
    ('configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py', 'seg-label-colour',
     'cityscapes'),
], ids=['det', 'seg'])
def test_train_tool_stops_on_damaged_data_in_one_line(config, case, data_root, tmp_path,
                                                      capsys):
    """The whole path: tools/train.py's main, the Runner, the dataloader."""
    _, damaged = CASES[case](tmp_path)
    options = [f'data_root={tmp_path / data_root}/']
    if data_root == 'coco':  # the demo's file names: the damaged split under them
        split = tmp_path / 'coco'
        (split / 'instances.json').rename(split / 'annotations.json')
        damaged = str(split / 'annotations.json')
    else:  # the validation split that the Runner builds before training: a copy
        for kind in ('leftImg8bit', 'gtFine'):
            shutil.copytree(tmp_path / data_root / kind / 'train',
                            tmp_path / data_root / kind / 'val')
    status = load_tool('train').main([config, '--work-dir', str(tmp_path / 'work'),
                                      '--cfg-options', *options])
    out, err = capsys.readouterr()
    assert status == 1, (out + err)[-3000:]
    errors = error_lines(out + err)
    assert len(errors) == 1 and damaged in errors[0], (out + err)[-3000:]
    assert 'Traceback' not in out + err
    assert 'Epoch(train)' not in out + err
