"""End-to-end runs through tools/: resume, 2-process DDP on CPU (gloo), and (slow) learning."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from det_helpers import DEMO_CONFIG, DET_CONFIGS, REPO, V2_DEMO_CONFIG, memorisation_config

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def write_cfg(path: Path, body: str) -> Path:
    path.write_text(f"_base_ = '{DET_CONFIGS / DEMO_CONFIG}'\n" + body)
    return path


def run(cmd, **env) -> subprocess.CompletedProcess:
    env = {**os.environ, 'PYTHONPATH': str(REPO), 'OMP_NUM_THREADS': '1', 'PYTHON': PYTHON, **env}
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
    return torch.load(path, map_location='cpu', weights_only=True)


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


@pytest.fixture(scope='module')
def tiny_full_run(tmp_path_factory):
    """(config, work dir) of an uninterrupted 3-epoch run of the tiny config."""
    root = tmp_path_factory.mktemp('tiny')
    cfg = write_cfg(root / 'tiny.py', TINY.replace('MAX_EPOCHS', '3'))
    run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(root / 'full')])
    return cfg, root / 'full'


def assert_same_end(full: Path, resumed: Path) -> None:
    """Both runs end at epoch 3 with the same weights, EMA, optimizer and schedule."""
    a, b = load(full / 'epoch_3.pth'), load(resumed / 'epoch_3.pth')
    assert (a['meta']['epoch'], a['meta']['iter']) == (b['meta']['epoch'], b['meta']['iter']) \
        == (3, 6)
    assert_same_tensors(a['state_dict'], b['state_dict'], 'weights')
    assert_same_tensors(a['ema_state_dict'], b['ema_state_dict'], 'ema')
    assert_same_tensors(a['optimizer']['state'], b['optimizer']['state'], 'optimizer')
    assert_same_tensors(a['param_schedulers'], b['param_schedulers'], 'schedulers')


def test_resume_restores_iteration_optimizer_ema_and_schedule(tmp_path, tiny_full_run):
    cfg, full = tiny_full_run
    resumed = tmp_path / 'resumed'
    # a run stopped after epoch 1 leaves epoch_1.pth; resume from it in a fresh work dir
    resumed.mkdir()
    shutil.copy(full / 'epoch_1.pth', resumed / 'epoch_1.pth')
    proc = run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(resumed),
                '--resume', str(resumed / 'epoch_1.pth')])
    assert 'resumed epoch: 1, iter: 2' in proc.stdout + proc.stderr
    assert not (resumed / 'epoch_1.pth').samefile(full / 'epoch_1.pth')
    assert_same_end(full, resumed)
    full_lr, resumed_lr = lrs(full), lrs(resumed)
    assert sorted(resumed_lr) == [3, 4, 5, 6]
    assert all(abs(resumed_lr[i] - full_lr[i]) < 1e-12 for i in resumed_lr)


KILL_ENV = {'PYTHONPATH': f'{REPO}:{REPO / "tests"}', 'OMP_NUM_THREADS': '1'}


def train_killed_at_second_save(killed_cfg: Path, work: Path) -> None:
    """Train ``killed_cfg`` (which imports ``kill_during_save``) until SIGKILL in the middle of
    its second checkpoint write."""
    proc = subprocess.run([PYTHON, 'tools/train.py', str(killed_cfg), '--work-dir', str(work)],
                          cwd=REPO, env={**os.environ, **KILL_ENV, 'PPLC_TEST_KILL_AT_SAVE': '2'},
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]


def resume(killed_cfg: Path, work: Path) -> str:
    """The output of ``tools/train.py killed_cfg --resume`` in ``work`` (it must succeed)."""
    proc = subprocess.run([PYTHON, 'tools/train.py', str(killed_cfg), '--work-dir', str(work),
                           '--resume'], cwd=REPO, env={**os.environ, **KILL_ENV},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_kill_during_a_checkpoint_write_then_resume(tmp_path, tiny_full_run):
    """SIGKILL in the middle of writing epoch_2.pth with max_keep_ckpts=1: epoch_1.pth and its
    pointer survive, --resume continues from it and ends where the uninterrupted run ends."""
    cfg, full = tiny_full_run
    killed_cfg = tmp_path / 'keep1.py'
    killed_cfg.write_text(f"_base_ = '{cfg}'\n"
                          "default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))\n"
                          "custom_imports = dict(imports=['pplc_vision', 'kill_during_save'])\n")
    work = tmp_path / 'work'
    train_killed_at_second_save(killed_cfg, work)
    assert (work / '.tmp-epoch_2.pth').is_file()  # the half-written file
    assert not (work / 'epoch_2.pth').exists()
    assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
    assert load(work / 'epoch_1.pth')['meta']['epoch'] == 1
    assert 'resumed epoch: 1, iter: 2' in resume(killed_cfg, work)
    assert not (work / '.tmp-epoch_2.pth').exists()  # removed at the restart
    assert sorted(p.name for p in work.glob('epoch_*.pth')) == ['epoch_3.pth']
    assert_same_end(full, work)


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
    # one epoch may predict nothing: --allow-empty, this test is about the two processes
    proc = run(['bash', 'tools/dist_test.sh', str(cfg), str(work / 'epoch_1.pth'), '2',
                '--work-dir', str(tmp_path / 'ddp_test'), '--allow-empty'],
               PORT=str(free_port()))
    assert 'Epoch(test) [1/1]' in proc.stdout + proc.stderr  # 2 photos, one per process


def last_metrics(work_dir: Path) -> dict:
    """The last validation record of the run's scalars.json."""
    records = [json.loads(line) for log in work_dir.glob('*/vis_data/scalars.json')
               for line in log.read_text().splitlines() if 'coco/bbox_mAP_50' in line]
    assert records, f'no validation logged under {work_dir}'
    return records[-1]


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory) -> Path:
    """The work dir of the detection demo trained as shipped, uninterrupted, one process."""
    one = tmp_path_factory.mktemp('demo') / 'one'
    run([PYTHON, 'tools/train.py', str(DET_CONFIGS / DEMO_CONFIG), '--work-dir', str(one)])
    return one


@pytest.mark.slow  # the demo (~90 s of CPU, shared) and its DDP twin
def test_two_process_ddp_matches_one_process_on_the_demo(tmp_path, demo_run):
    """The demo's batch of 2 photos split over 2 processes (gloo, CPUSyncBatchNorm): the same
    total batch and schedule reach the one-process mAP@0.5 within 0.05."""
    cfg = REPO / 'configs' / 'det' / DEMO_CONFIG
    one, two = demo_run, tmp_path / 'two'
    proc = run(['bash', 'tools/dist_train.sh', str(cfg), '2', '--work-dir', str(two),
                '--cfg-options', 'train_dataloader.batch_size=1'], PORT=str(free_port()))
    assert 'BatchNorm layers synchronised over 2 processes' in proc.stdout + proc.stderr
    single, ddp = last_metrics(one)['coco/bbox_mAP_50'], last_metrics(two)['coco/bbox_mAP_50']
    assert single >= 0.9, single
    assert abs(ddp - single) <= 0.05, (single, ddp)


@pytest.mark.slow  # the demo again, killed at its second checkpoint, then resumed
def test_demo_killed_after_its_first_checkpoint_resumes_to_the_same_result(tmp_path, demo_run):
    """The demo as shipped saves every ``checkpoint_interval`` epochs: SIGKILL while it writes
    its second checkpoint leaves the first, ``--resume`` continues from it and ends with the
    uninterrupted run's weights and mAP."""
    cfg = REPO / 'configs' / 'det' / DEMO_CONFIG
    interval = Config.fromfile(str(cfg)).checkpoint_interval
    killed_cfg = tmp_path / 'demo_killed.py'
    killed_cfg.write_text(f"_base_ = '{cfg}'\n"
                          "custom_imports = dict(imports=['pplc_vision', 'kill_during_save'])\n")
    work = tmp_path / 'work'
    train_killed_at_second_save(killed_cfg, work)
    assert (work / 'last_checkpoint').read_text() == str(work / f'epoch_{interval}.pth')
    assert f'resumed epoch: {interval},' in resume(killed_cfg, work)
    last = f'epoch_{Config.fromfile(str(cfg)).max_epochs}.pth'
    assert_same_tensors(load(demo_run / last)['state_dict'], load(work / last)['state_dict'],
                        'weights')
    assert last_metrics(work)['coco/bbox_mAP_50'] == last_metrics(demo_run)['coco/bbox_mAP_50']


# Memorisation schedules on labelme's 3 VOC photos (12 boxes, 6 classes, ids from 0), one per
# family, full-batch at 416 px (see memorisation_config). The hardest box is the lone bottle
# (19 x 54 px, inside a person's box): no other box shares its class, and a prior's box loss is
# weighted by that prior's class score (GFL, PicoDet), so a bottle whose positives start with a
# low score is learnt late or never. ATSS (family 1) gives it 6 positives at 416 px (2 at 320 px,
# where it was missed) and learns it. SimOTA (family 2) picks positives from the current
# predictions and, with some seeds, gives it stride-16 priors that keep their initial score
# (0.01): the bottle then scores 0 and mAP@0.5 is 5/6 = 0.833 (also with 60 epochs or 480 px).
# Measured mAP@0.5 with seeds 0/1/2 on one thread: family 1 1.0/1.0/1.0 (~90 s of training),
# family 2 1.0/0.833/1.0 (~220 s); this test runs seed 0 on one thread (two threads beside a
# second pytest-xdist worker on 2 cores took over 20 minutes).
MEMORISE = {
    'picodet_pplcnet_1x_coco.py': dict(input_size=416, epochs=25, lr=0.1),
    'picodet-csppan_pplcnet_1x_coco.py': dict(input_size=416, epochs=40, lr=0.03),
}


@pytest.mark.slow
@pytest.mark.parametrize('base', MEMORISE)
def test_memorises_labelme_voc_images(base, labelme_coco, tmp_path):
    """Training on the 3 real VOC photos reaches bbox mAP@0.5 >= 0.8 on the same photos."""
    cfg = tmp_path / 'labelme.py'
    cfg.write_text(memorisation_config(base, str(labelme_coco) + '/', num_images=3,
                                       num_classes=20, seed=0, **MEMORISE[base]))
    work = tmp_path / 'work'
    run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(work)])
    metrics = last_metrics(work)
    per_class = {k[5:-10]: v for k, v in metrics.items()
                 if k.endswith('_precision') and v == v}  # nan: class not in the photos
    assert metrics['coco/bbox_mAP_50'] >= 0.8, f'mAP@0.5 {metrics["coco/bbox_mAP_50"]}, ' \
        f'per-class mAP@[.5:.95]: {per_class}'


@pytest.mark.slow
def test_picodet_v2_demo_memorises_through_train_and_test_tools(tmp_path):
    """PicoDet v2's demo config as shipped, through both assignment phases (ATSS, then
    task-aligned), reaches mAP@0.5 >= 0.8 on its two photos: tools/train.py, then tools/test.py
    on the last checkpoint (the averaged weights), which prints the mAP that training's final
    validation logged. Measured 0.994 (seed 0); with lr 0 it is 0.022."""
    cfg = DET_CONFIGS / V2_DEMO_CONFIG
    shipped = Config.fromfile(str(cfg))
    assert 0 < shipped.model.train_cfg.initial_epoch < shipped.train_cfg.max_epochs
    work = tmp_path / 'train'
    run([PYTHON, 'tools/train.py', str(cfg), '--work-dir', str(work)])
    checkpoint = (work / 'last_checkpoint').read_text().strip()
    assert Path(checkpoint).name == f'epoch_{shipped.train_cfg.max_epochs}.pth'
    proc = run([PYTHON, 'tools/test.py', str(cfg), checkpoint, '--work-dir',
                str(tmp_path / 'test')])
    printed = re.search(r'^test metrics: .*coco/bbox_mAP_50=([\d.]+)', proc.stdout, re.M)
    assert printed, proc.stdout[-2000:]
    map50 = float(printed.group(1))
    assert map50 >= 0.8, proc.stdout[-2000:]
    assert abs(map50 - last_metrics(work)['coco/bbox_mAP_50']) < 1e-4
