"""Learning on real data: the 5 labelme street frames (background/car/truck) are overfit, and
tools/test.py prints per-class IoU and mIoU and draws the predictions (--show-dir)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from seg_helpers import REPO

from pplc_vision.apis import run_train
from pplc_vision.datasets.labelme_video import (DEBIAN_PACKAGE, convert_labelme_video,
                                                find_labelme_video_dir)

CONFIG = str(REPO / 'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_labelme-street.py')


@pytest.mark.slow
def test_labelme_street_frames_are_overfit(tmp_path: Path):
    voc_dir = find_labelme_video_dir()
    assert voc_dir is not None, \
        f'{DEBIAN_PACKAGE} is not installed (apt-get install {DEBIAN_PACKAGE})'
    root = tmp_path / 'labelme_street'
    assert len(convert_labelme_video(voc_dir, str(root), size=(512, 288))) == 5
    options = ['--cfg-options'] + [f'{split}_dataloader.dataset.data_root={root}'
                                   for split in ('train', 'val', 'test')]
    run_train([CONFIG, '--work-dir', str(tmp_path / 'train')] + options)
    checkpoint = tmp_path / 'train' / 'iter_80.pth'
    assert checkpoint.is_file()

    # the real CLI, in its own process (mmengine's visualizer is a per-process singleton)
    show_dir = tmp_path / 'show'
    result = subprocess.run(
        [sys.executable, 'tools/test.py', CONFIG, str(checkpoint), '--work-dir',
         str(tmp_path / 'test'), '--show-dir', str(show_dir)] + options,
        cwd=REPO, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    for name in ('background', 'car', 'truck'):  # the per-class table
        assert re.search(rf'\|\s+{name}\s+\|\s+[\d.]+\s+\|', output), name
    miou = float(re.search(r'mIoU=([\d.]+)', output).group(1))
    assert miou >= 70.0, output[-3000:]  # mmseg reports percentages
    drawn = sorted(show_dir.rglob('*.png'))
    assert len(drawn) == 5, drawn
