"""Fixtures of the MobileOne tests; the det, seg and deploy test helpers made importable."""
import sys
from pathlib import Path
from typing import Callable

import pytest
from mmengine.config import Config

import pplc_vision  # noqa: F401  (registers the models)
from mobileone_helpers import load_config

TESTS = Path(__file__).resolve().parents[1]
for _folder in ('test_det', 'test_seg', 'test_deploy'):  # det_helpers, seg_helpers, test_fuse
    if str(TESTS / _folder) not in sys.path:
        sys.path.append(str(TESTS / _folder))


@pytest.fixture
def load_mobileone_config(tmp_path: Path) -> Callable[..., Config]:
    """``load(path, anneal_weight_decay=False)``: see ``mobileone_helpers.load_config``."""
    return lambda path, anneal_weight_decay=False: load_config(path, anneal_weight_decay,
                                                                tmp_path)
