"""Fixtures of the detection tests: config loading, the embedded demo set, labelme's COCO sample."""
import shutil
from pathlib import Path
from typing import Callable

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed

import pplc_vision  # noqa: F401  (registers the detection components)
from det_helpers import LABELME_COCO, REPO, load_det_config


@pytest.fixture(autouse=True)
def _mmdet_scope() -> None:
    init_default_scope('mmdet')
    set_random_seed(0)


@pytest.fixture
def load_cfg() -> Callable[[str], Config]:
    """Load ``configs/det/NAME`` with its backbone from scratch (the COCO configs' default
    ImageNet weights are files under checkpoints/ that tests do not have)."""
    return lambda name: load_det_config(name, from_scratch=True)


@pytest.fixture
def demo_coco() -> Path:
    """The embedded demo set data/demo_coco (2 photos, COCO format)."""
    return REPO / 'data' / 'demo_coco'


@pytest.fixture
def labelme_coco(tmp_path: Path) -> Path:
    """A writable copy of Debian labelme-examples' COCO sample (3 VOC photos, ids from 0)."""
    assert (LABELME_COCO / 'annotations.json').is_file(), \
        'labelme-examples is not installed (apt-get install labelme-examples)'
    dst = tmp_path / 'labelme_coco'
    shutil.copytree(LABELME_COCO, dst, ignore=shutil.ignore_patterns('Visualization'))
    return dst
