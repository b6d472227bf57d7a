"""Cityscapes preparation as mmseg does it: ``*_gtFine_polygons.json`` to ``*_labelTrainIds.png``
with the official ``cityscapesscripts``, plus the ``train.txt``/``val.txt``/``test.txt`` lists."""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional

from mmengine.utils import scandir, track_parallel_progress, track_progress

POLYGON_SUFFIX = '_gtFine_polygons.json'
TRAIN_IDS_SUFFIX = '_gtFine_labelTrainIds.png'
SPLITS = ('train', 'val', 'test')


def load_json2label() -> Callable[[str, str, str], None]:
    """``cityscapesscripts``' ``json2labelImg``, imported only when needed."""
    try:
        from cityscapesscripts.preparation.json2labelImg import json2labelImg  # optional dependency
    except ImportError as e:
        raise ImportError('preparing Cityscapes needs the official scripts: '
                          f'pip install cityscapesscripts ({e})') from None
    return json2labelImg


def _convert_one(json_file: str) -> None:
    load_json2label()(json_file, json_file[:-len(POLYGON_SUFFIX)] + TRAIN_IDS_SUFFIX, 'trainIds')


def polygon_files(gt_root: str) -> List[str]:
    """Every ``*_gtFine_polygons.json`` under ``gt_root``, sorted."""
    if not osp.isdir(gt_root):
        raise FileNotFoundError(f'label folder {gt_root!r} does not exist: unpack '
                                'gtFine_trainvaltest.zip into the Cityscapes root')
    return sorted(osp.join(gt_root, f) for f in scandir(gt_root, POLYGON_SUFFIX, recursive=True))


def prepare_cityscapes(root: str, gt_dir: str = 'gtFine', out_dir: Optional[str] = None,
                       nproc: int = 1) -> Dict[str, int]:
    """Write ``*_labelTrainIds.png`` next to each polygon file and the split lists to
    ``out_dir`` (default ``root``); returns the number of samples per split."""
    load_json2label()  # fail before any work when the scripts are missing
    gt_root = osp.join(root, gt_dir)
    files = polygon_files(gt_root)
    if not files:
        raise FileNotFoundError(f'no *{POLYGON_SUFFIX} under {gt_root!r}')
    if nproc > 1:
        track_parallel_progress(_convert_one, files, nproc)
    else:
        track_progress(_convert_one, files)
    out_dir = out_dir or root
    os.makedirs(out_dir, exist_ok=True)
    counts = {}
    for split in SPLITS:
        split_root = osp.join(gt_root, split)
        names = [f[:-len(POLYGON_SUFFIX)] for f in polygon_files(split_root)] \
            if osp.isdir(split_root) else []
        names = [osp.relpath(n, split_root) for n in names]
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.writelines(n + '\n' for n in names)
        counts[split] = len(names)
    return counts
