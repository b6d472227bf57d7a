"""Fixtures of the segmentation tests (helpers live in seg_helpers.py)."""
from pathlib import Path

import pytest

from seg_helpers import write_tiny_cityscapes


@pytest.fixture
def tiny_cityscapes(tmp_path: Path) -> Path:
    """Two 256x128 samples of the 19 Cityscapes classes in ``train``."""
    return write_tiny_cityscapes(tmp_path / 'cityscapes')
