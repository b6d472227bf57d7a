"""End-to-end runs through tools/: resume, 2-process DDP on CPU (gloo), and (slow) learning."""
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from det_helpers import DEMO_CONFIG, DET_CONFIGS, REPO

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_cfg(path: Path, body: str) -> Path:
    path.write_text(f"_base_ = '{DET_CONFIGS / DEMO_CONFIG}'\n" + body)
    return path


def run(cmd, **env) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1', PYTHON=PYTHON, **env)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


# A short deterministic run on the demo photos: no random augmentation, 2 iterations an epoch.
TINY = """
input_size = 128
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='PackDetInputs')
]
model = dict(data_preprocessor=dict(batch_augments=None))
train_dataloader = dict(dataset=dict(times=2, dataset=dict(pipeline=pipeline)))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=MAX_EPOCHS, val_interval=100)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=3),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=MAX_EPOCHS, end=MAX_EPOCHS,
         convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, max_keep_ckpts=5),
                     visualization=dict(type='DetVisualizationHook'))
randomness = dict(seed=0, deterministic=False)
"""


def load(path: Path) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


def assert_same_tensors(a, b, what: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), what
        for key in a:
            assert_same_tensors(a[key], b[key], f'{what}.{key}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), what
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_tensors(x, y, f'{what}[{i}]')
    elif isinstance(a, torch.Tensor):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4, msg=what)
    else:
        assert a == b, f'{what}: {a} != {b}'


def lrs(work_dir: Path) -> dict:
    """iteration -> lr, from the run's scalars.json."""
    out = {}
    for log in work_dir.glob('*/vis_data/scalars.json'):
        for line in log.read_text().splitlines():
            rec = json.loads(line)
            if 'lr' in rec:
                out[rec['iter']] = rec['lr']
    return out


def test_resume_restores_iteration_optimizer_ema_and_schedule(tmp_path):
    cfg = write_cfg(tmp_path / 'tiny.py', TINY.replace('MAX_EPOCHS', '3'))
    full, resumed = tmp_path / 'full', tmp_path / 'resumed'
    run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(full)])
    # a run stopped after epoch 1 leaves epoch_1.pth; resume from it in a fresh work dir
    resumed.mkdir()
    shutil.copy(full / 'epoch_1.pth', resumed / 'epoch_1.pth')
    proc = run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(resumed),
                '--resume', str(resumed / 'epoch_1.pth')])
    assert 'resumed epoch: 1, iter: 2' in proc.stdout + proc.stderr
    assert not (resumed / 'epoch_1.pth').samefile(full / 'epoch_1.pth')
    a, b = load(full / 'epoch_3.pth'), load(resumed / 'epoch_3.pth')
    assert (a['meta']['epoch'], a['meta']['iter']) == (b['meta']['epoch'], b['meta']['iter']) \
        == (3, 6)
    assert_same_tensors(a['state_dict'], b['state_dict'], 'weights')
    assert_same_tensors(a['ema_state_dict'], b['ema_state_dict'], 'ema')
    assert_same_tensors(a['optimizer']['state'], b['optimizer']['state'], 'optimizer')
    assert_same_tensors(a['param_schedulers'], b['param_schedulers'], 'schedulers')
    full_lr, resumed_lr = lrs(full), lrs(resumed)
    assert sorted(resumed_lr) == [3, 4, 5, 6]
    assert all(abs(resumed_lr[i] - full_lr[i]) < 1e-12 for i in resumed_lr)


def test_ddp_two_processes_on_cpu_train_and_test(tmp_path):
    cfg = write_cfg(tmp_path / 'tiny.py', TINY.replace('MAX_EPOCHS', '1'))
    work = tmp_path / 'ddp'
    proc = run(['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', str(work)],
               PORT=str(free_port()))
    log = proc.stdout + proc.stderr
    assert "'backend': 'gloo'" in log or "backend='gloo'" in log
    assert 'Distributed training: True' in log
    # 4 samples over 2 processes x 2 images: one iteration an epoch (two on one process)
    assert 'Epoch(train) [1][1/1]' in log
    assert (work / 'epoch_1.pth').is_file()
    proc = run(['bash', 'tools/dist_test.sh', str(cfg), str(work / 'epoch_1.pth'), '2',
                '--work-dir', str(tmp_path / 'ddp_test')], PORT=str(free_port()))
    assert 'Epoch(test) [1/1]' in proc.stdout + proc.stderr  # 2 photos, one per process


def final_metric(work_dir: Path, key: str) -> float:
    values = [json.loads(line)[key] for log in work_dir.glob('*/vis_data/scalars.json')
              for line in log.read_text().splitlines() if key in line]
    assert values, f'no {key} logged under {work_dir}'
    return values[-1]


@pytest.mark.slow
@pytest.mark.xfail(reason='known gap (issue 8): with seed 0 this schedule reaches mAP@0.5 0.667 '
                   '(seeds 1/2: 0.833/1.0); the schedule needs tuning before the 0.8 bar holds',
                   strict=False)
def test_memorises_labelme_voc_images(labelme_coco, tmp_path):
    """Training on the 3 real VOC photos reaches bbox mAP@0.5 >= 0.8 on the same photos."""
    root = str(labelme_coco) + '/'
    # the demo schedule at a fixed 320 x 320 without colour distortion: 80 epochs of 12 steps
    cfg = write_cfg(tmp_path / 'labelme.py', f"""
data_root = '{root}'
max_epochs = 80
lm_set = dict(data_root=data_root, ann_file='annotations.json', data_prefix=dict(img=''))
model = dict(bbox_head=dict(num_classes=20), data_preprocessor=dict(batch_augments=None))
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=(320, 320), keep_ratio=False),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(times=8, dataset=dict(lm_set, pipeline=pipeline)))
val_dataloader = dict(dataset=lm_set)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, end=max_epochs,
         convert_to_iter_based=True)
]
randomness = dict(seed=0)
""")
    work = tmp_path / 'work'
    run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(work)])
    assert final_metric(work, 'coco/bbox_mAP_50') >= 0.8
