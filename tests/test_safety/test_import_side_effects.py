"""Importing pplc_vision registers components and the safe-loading allowlist, nothing else."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: snapshots what the package must not touch, imports it, compares.
PROBE = r'''
import mmengine.dist.utils as dist_utils
from mmengine.fileio.backends import local_backend
from mmengine.runner.checkpoint import CheckpointLoader

backend = dict(vars(local_backend.LocalBackend))
schemes = dict(CheckpointLoader._schemes)
init_dist = dist_utils._init_dist_pytorch
init_dist_public = dist_utils.init_dist

import pplc_vision
from pplc_vision.compat import safe_torch_load

changed = [k for k in set(backend) | set(vars(local_backend.LocalBackend))
           if backend.get(k) is not vars(local_backend.LocalBackend).get(k)]
assert not changed, f'LocalBackend changed: {changed}'
assert dist_utils._init_dist_pytorch is init_dist, '_init_dist_pytorch replaced'
assert dist_utils.init_dist is init_dist_public, 'init_dist replaced'
after = dict(CheckpointLoader._schemes)
assert set(after) == set(schemes), (sorted(schemes), sorted(after))
others = [p for p in schemes if p != '' and after[p] is not schemes[p]]
assert not others, f'loaders replaced: {others}'
# the one entry that changes: local paths load with weights_only=True and one-line errors
assert after[''] is safe_torch_load, after['']
print('ok')
'''


def test_import_leaves_mmengine_as_it_was():
    proc = subprocess.run([sys.executable, '-c', PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip().endswith('ok'), proc.stderr[-3000:]


def test_local_writes_stay_plain_after_import(tmp_path):
    # mmengine's own put() keeps writing in place (no temporary file, symlinks followed)
    import pplc_vision  # noqa: F401
    from mmengine.fileio.backends import LocalBackend
    target = tmp_path / 'real.txt'
    target.write_text('old')
    link = tmp_path / 'link.txt'
    link.symlink_to(target)
    LocalBackend().put_text('new', link)
    assert link.is_symlink() and target.read_text() == 'new'
