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
    assert re.search(r'params: 1\.\d+ M', log)  # PicoDet PP-LCNet-1x at 416: 1.30 M
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
