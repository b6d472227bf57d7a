"""The embedded demo set data/demo_cls is what tools/dataset_converters/fashion_mnist_subset.py
writes from Debian's Fashion-MNIST files, byte for byte (data/demo_cls/README.md says so)."""
import filecmp
import os
import os.path as osp
import subprocess
import sys

from pplc_vision.datasets.fashion_mnist import DEBIAN_ROOT

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CLS = osp.join(ROOT, 'data', 'demo_cls')
TOOL = osp.join(ROOT, 'tools', 'dataset_converters', 'fashion_mnist_subset.py')


def relative_files(root: str) -> list:
    """Paths of the files under ``root``, relative to it, sorted."""
    return sorted(osp.relpath(osp.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def test_tool_remakes_the_demo_set_byte_for_byte(tmp_path):
    out = tmp_path / 'demo_cls'
    proc = subprocess.run([sys.executable, TOOL, DEBIAN_ROOT, str(out), '--train-per-class',
                           '60', '--val-per-class', '20', '--seed', '0'],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"wrote {{'train': 600, 'val': 200}} images to {out}"
    written = relative_files(str(out))
    assert len(written) == 801  # 800 PNGs + meta/classes.txt
    embedded = [p for p in relative_files(DEMO_CLS) if p not in ('README.md', 'LICENSE')]
    assert written == embedded
    _, mismatch, errors = filecmp.cmpfiles(DEMO_CLS, str(out), written, shallow=False)
    assert not mismatch and not errors, (mismatch[:5], errors[:5])


def test_tool_reports_missing_files_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, TOOL, str(tmp_path), str(tmp_path / 'out')],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert proc.stderr == (f"error: {tmp_path / 'train-images-idx3-ubyte'}[.gz] not found: "
                           'data_root must hold the Fashion-MNIST IDX files (apt-get install '
                           f'dataset-fashion-mnist puts them in {DEBIAN_ROOT})\n')
