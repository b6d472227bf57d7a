"""Shared pytest setup: ``helpers`` importable, no default scope leaking between tests, and no
silent skips under tools/run_tests.sh."""
import os
import sys
from pathlib import Path

import pytest


def _share_cores_between_workers() -> None:
    """Under pytest-xdist, give each worker its share of the cores (at least one thread).

    Each worker's torch and Paddle would otherwise start one OpenMP thread per core, as would the
    tools a test runs in a subprocess (they inherit this environment): on 2 cores with 2 workers
    that is 4+ spinning threads, and a training step took several times its one-worker time.
    Runs before torch or Paddle are imported (they read the variable once, at load).
    """
    workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '0') or 0)
    if workers > 1 and 'OMP_NUM_THREADS' not in os.environ:
        os.environ['OMP_NUM_THREADS'] = str(max(1, len(os.sched_getaffinity(0)) // workers))


_share_cores_between_workers()
TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from fake_cpu import CPU_CLASSES, FakeCPU, install  # noqa: E402
from helpers import CocoSplit, write_coco_dataset  # noqa: E402


# Test folders whose conftest builds session-scoped references (a trained classifier, exported
# graphs): under pytest-xdist their files share one worker, so those are built once.
SESSION_SHARED_FOLDERS = ('test_deploy',)


def _xdist_group(item: pytest.Item) -> str:
    parts = Path(str(item.fspath)).resolve().relative_to(TESTS_DIR).parts
    return parts[0] if parts[0] in SESSION_SHARED_FOLDERS else '/'.join(parts)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks
def pytest_collection_modifyitems(config, items):
    """Group tests for ``--dist loadgroup`` (tools/run_tests.sh): one group per test file (its
    module-scoped fixtures are built once), one per folder in ``SESSION_SHARED_FOLDERS``.
    pytest-xdist hands the groups out largest first (its default ``--loadscope-reorder``), the
    deploy folder among the first; in one process (``PPLC_TEST_WORKERS=0``) the
    training-parity files run first, then the groups holding a ``slow`` test."""
    groups = {item: _xdist_group(item) for item in items}
    long_groups = set(SESSION_SHARED_FOLDERS) | {
        groups[item] for item in items if item.get_closest_marker('slow')}
    items.sort(key=lambda item: (not groups[item].startswith('parity/'),
                                 groups[item] not in long_groups))
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item]))


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
