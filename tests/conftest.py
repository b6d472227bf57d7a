"""pytest setup shared by all tests: makes ``tests/helpers.py`` importable as ``helpers``."""
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from helpers import CocoSplit, write_coco_dataset  # noqa: E402


@pytest.fixture
def coco_split(tmp_path: Path) -> CocoSplit:
    """Two 128x128 images with three boxes of two classes, in COCO format."""
    return write_coco_dataset(tmp_path / 'coco')
