"""Shared pytest setup: ``helpers`` importable, no default scope leaking between tests, and no
silent skips under tools/run_tests.sh."""
import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from fake_cpu import CPU_CLASSES, FakeCPU, install  # noqa: E402
from helpers import CocoSplit, write_coco_dataset  # noqa: E402


@pytest.fixture(autouse=True)
def restore_default_scope():
    """Undo the default scope that a Runner (or ``init_default_scope``) sets in a test.

    mmengine keeps the last created ``DefaultScope`` as a process-wide current scope; left behind,
    an ``'mmdet'`` scope makes a later ``mmpretrain`` build fail with a KeyError. Each test starts
    with no default scope (a module-scoped fixture's Runner may have set one before this runs).
    """
    from mmengine.registry import DefaultScope
    saved = DefaultScope._instance_dict.copy()
    DefaultScope._instance_dict.clear()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


@pytest.fixture(params=sorted(CPU_CLASSES))
def fake_cpu(request, monkeypatch) -> FakeCPU:
    """Each CPU class of our machines in turn, as the tools see a CPU (tests/fake_cpu.py)."""
    return install(monkeypatch, CPU_CLASSES[request.param])


@pytest.fixture
def coco_split(tmp_path: Path) -> CocoSplit:
    """Two 128x128 images with three boxes of two classes, in COCO format."""
    return write_coco_dataset(tmp_path / 'coco')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``PPLC_FAIL_ON_SKIP=1`` (tools/run_tests.sh, so CI) a skip is a failure.

    A skip hides what README claims; only tests marked ``hardware`` (they depend on whether the
    machine has a GPU) may skip.
    """
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and os.environ.get('PPLC_FAIL_ON_SKIP') == '1'
            and not hasattr(report, 'wasxfail') and item.get_closest_marker('hardware') is None):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = 'failed'
        report.longrepr = f'skipped, which tools/run_tests.sh does not accept: {reason}'
