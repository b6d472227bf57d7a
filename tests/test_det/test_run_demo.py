"""README command 1, `bash tools/run_demo.sh` (detection by default), on a one-epoch schedule."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from det_helpers import REPO


def run_demo(*args: str, work_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, WORK_DIR=str(work_dir), OMP_NUM_THREADS='1')
    return subprocess.run(['bash', 'tools/run_demo.sh', *args], cwd=REPO, env=env,
                          capture_output=True, text=True)


def readme_det_figures(config: str) -> tuple:
    """The (params M, MACs G, ...) cells of ``config``'s row in README's detection table."""
    readme = (REPO / 'README.md').read_text()
    row = re.search(rf'^\| `{re.escape(config)}` \|(.*)\|$', readme, re.M)
    assert row, f'README has no table row for {config}'
    return tuple(cell.strip() for cell in row.group(1).split('|'))


def same_rounded(a: str, b: str) -> bool:
    """Whether two decimal figures can be roundings of one value (each to its own digits)."""
    def half_unit(x: str) -> float:
        return 0.5 * 10 ** -len(x.partition('.')[2])
    return abs(float(a) - float(b)) <= half_unit(a) + half_unit(b) + 1e-12


def printed_path(log: str, label: str) -> Path:
    match = re.search(rf'^\[demo\] {label}:\s+(\S+)$', log, re.M)
    assert match, f'run_demo.sh did not print its {label}'
    return Path(match.group(1))


@pytest.mark.slow
def test_demo_trains_evaluates_draws_and_says_where(tmp_path):
    work = tmp_path / 'demo'
    proc = run_demo('--cfg-options', 'train_cfg.max_epochs=1', work_dir=work)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'configs/det/picodet_pplcnet_1x_demo-voc.py' in log
    # tools/test.py evaluated both photos (one epoch may leave no box above the score threshold,
    # so the mAP itself is not checked here; the memorisation tests check learning)
    assert 'Epoch(test) [2/2]' in log and 'test metrics:' in log
    # the params and MACs it prints for PicoDet PP-LCNet-1x at 416 are README's table figures
    params, macs = re.search(r'^params: ([\d.]+) M\nMACs: [\d.]+ M \(([\d.]+) G\)$', log,
                             re.M).groups()
    readme_params, readme_macs = readme_det_figures('configs/det/picodet_pplcnet_1x_coco.py')[:2]
    assert same_rounded(params, readme_params) and same_rounded(macs, readme_macs), \
        (params, macs, readme_params, readme_macs)
    checkpoint = printed_path(log, 'checkpoint')
    assert checkpoint.is_file() and checkpoint.parent == work
    assert printed_path(log, 'training log').is_file()
    assert printed_path(log, 'test log').is_file()
    drawn = printed_path(log, 'predictions drawn on the photos')
    assert sorted(p.name for p in drawn.rglob('*.jpg')) == ['arc2017.jpg', 'voc.jpg']


def test_unknown_demo_is_a_clear_error(tmp_path):
    proc = run_demo('segmentation', work_dir=tmp_path / 'demo')
    assert proc.returncode == 2
    assert "unknown demo 'segmentation' (expected det or cls)" in proc.stderr
