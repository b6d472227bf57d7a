"""Segmentation data preparation: the embedded demo set, the labelme and Cityscapes converters."""
import builtins
import filecmp
from pathlib import Path

import numpy as np
import pytest
from seg_helpers import REPO, load_seg_config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from pplc_vision.datasets.cityscapes import list_split_stems
from pplc_vision.datasets.cityscapes_prep import load_json2label, prepare_cityscapes
from pplc_vision.datasets.demo_cityscapes import make_demo_cityscapes
from pplc_vision.datasets.labelme_video import CLASSES, convert_labelme_video

DEMO = REPO / 'data' / 'demo_cityscapes'


def test_embedded_demo_set_is_small_and_reproducible(tmp_path):
    files = sorted(p for p in DEMO.rglob('*.png'))
    assert len(files) == 8 and sum(p.stat().st_size for p in DEMO.rglob('*')) < 1.5e6
    make_demo_cityscapes(str(tmp_path), ('train', 'val'))
    for path in files:
        assert filecmp.cmp(path, tmp_path / path.relative_to(DEMO), shallow=False), path


@pytest.mark.parametrize('split', ['train', 'val'])
def test_demo_config_loads_the_demo_set(split):
    cfg = load_seg_config('deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py')
    init_default_scope('mmseg')
    dataset_cfg = cfg[f'{split}_dataloader'].dataset
    dataset_cfg.data_root = str(DEMO)
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 2
    for i in range(2):
        labels = set(dataset[i]['data_samples'].gt_sem_seg.data.unique().tolist())
        assert labels - {255} and labels <= {5, 9, 10, 11, 255}


def write_voc_frames(root: Path, label_values=(0, 1, 2)) -> Path:
    """Two labelme-style frames: JPEGs and palette PNG labels."""
    (root / 'JPEGImages').mkdir(parents=True)
    (root / 'SegmentationClassPNG').mkdir()
    for i, name in enumerate(('00000100', '00000101')):
        Image.fromarray(np.full((60, 100, 3), 40 * i, np.uint8)).save(
            root / 'JPEGImages' / f'{name}.jpg')
        label = np.zeros((60, 100), np.uint8)
        label[20:40, 10:50], label[20:40, 60:90] = label_values[1], label_values[2]
        png = Image.fromarray(label, mode='P')
        png.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * 759)
        png.save(root / 'SegmentationClassPNG' / f'{name}.png')
    return root


def test_labelme_frames_convert_to_the_cityscapes_layout(tmp_path):
    voc = write_voc_frames(tmp_path / 'voc')
    paths = convert_labelme_video(str(voc), str(tmp_path / 'out'), size=(50, 30))
    assert [Path(p).name for p in paths] == ['labelme_000000_000100_leftImg8bit.png',
                                             'labelme_000000_000101_leftImg8bit.png']
    assert list_split_stems(str(tmp_path / 'out'), 'train') == [
        'labelme/labelme_000000_000100', 'labelme/labelme_000000_000101']
    init_default_scope('mmseg')
    dataset = DATASETS.build(dict(
        type='CityscapesLayoutDataset', data_root=str(tmp_path / 'out'),
        metainfo=dict(classes=CLASSES),
        data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                  dict(type='PackSegInputs')]))
    seg = dataset[0]['data_samples'].gt_sem_seg.data
    assert seg.shape == (1, 30, 50) and seg.unique().tolist() == [0, 1, 2]


def test_labelme_frames_with_unknown_ids_are_an_error(tmp_path):
    voc = write_voc_frames(tmp_path / 'voc', label_values=(0, 1, 7))
    with pytest.raises(ValueError, match=r"00000100.png' has ids \[7\] outside"):
        convert_labelme_video(str(voc), str(tmp_path / 'out'))


def test_cityscapes_preparation_without_cityscapesscripts_says_what_to_install(
        tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_cityscapesscripts(name, *args, **kwargs):
        if name.startswith('cityscapesscripts'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_cityscapesscripts)
    with pytest.raises(ImportError, match='pip install cityscapesscripts'):
        load_json2label()
    with pytest.raises(ImportError, match='pip install cityscapesscripts'):
        prepare_cityscapes(str(tmp_path))


def test_cityscapes_preparation_converts_polygons_and_writes_split_lists(tmp_path,
                                                                         monkeypatch):
    import pplc_vision.datasets.cityscapes_prep as prep
    calls = []
    monkeypatch.setattr(prep, 'load_json2label',
                        lambda: lambda src, dst, kind: calls.append((src, dst, kind)))
    for split, name in (('train', 'aachen_000000_000019'), ('val', 'lindau_000001_000019')):
        folder = tmp_path / 'gtFine' / split / name.split('_')[0]
        folder.mkdir(parents=True)
        (folder / f'{name}_gtFine_polygons.json').write_text('{}')
    assert prepare_cityscapes(str(tmp_path)) == dict(train=1, val=1, test=0)
    assert calls[0][1].endswith('aachen_000000_000019_gtFine_labelTrainIds.png')
    assert calls[0][2] == 'trainIds'
    assert (tmp_path / 'val.txt').read_text() == 'lindau/lindau_000001_000019\n'
    with pytest.raises(FileNotFoundError, match=r"label folder .*gtFine' does not exist"):
        prepare_cityscapes(str(tmp_path / 'nowhere'))
