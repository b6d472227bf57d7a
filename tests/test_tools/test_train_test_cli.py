"""tools/train.py and tools/test.py end to end on the embedded demo data, their one-line errors
(a checkpoint that does not fit the model among them), atomic checkpoint writes, and get_flops."""
import glob
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import pytest
import torch

from pplc_vision.converters import build_pplcnet_classifier, select_backbone
from pplc_vision.engine import atomic_save

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py'
DET_DEMO = 'configs/det/picodet_pplcnet_1x_demo-voc.py'
FAST = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=2',  # warm-up 1 + cosine 1
        'train_dataloader.dataset.indices=64', 'val_dataloader.dataset.indices=40',
        'test_dataloader.dataset.indices=40', 'train_dataloader.num_workers=0',
        'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False', 'default_hooks.checkpoint.interval=2']


def run_tool(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def last_error_line(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.strip().splitlines()[-1]


def test_train_then_test(tmp_path):
    work = tmp_path / 'work'
    train = run_tool('tools/train.py', DEMO, '--work-dir', str(work), '--cfg-options', *FAST)
    assert train.returncode == 0, train.stderr[-3000:]
    ckpt = (work / 'last_checkpoint').read_text().strip()
    assert osp.basename(ckpt) == 'epoch_2.pth' and osp.isfile(ckpt)
    assert not glob.glob(str(work / '.tmp-*'))  # atomic writes leave no temporary files
    assert set(torch.load(ckpt, weights_only=True)['state_dict']) >= {
        'backbone.conv1.conv.weight', 'head.fc.weight'}

    out = tmp_path / 'preds.pkl'
    test = run_tool('tools/test.py', DEMO, ckpt, '--work-dir', str(tmp_path / 'test'), '--out',
                    str(out), '--cfg-options', *FAST)
    assert test.returncode == 0, test.stderr[-3000:]
    match = re.search(r'test metrics: accuracy/top1=([\d.]+), accuracy/top5=([\d.]+)',
                      test.stdout)
    assert match, test.stdout[-2000:]
    top1, top5 = map(float, match.groups())
    with open(out, 'rb') as f:
        samples = pickle.load(f)
    assert len(samples) == 40
    # the printed metrics, recomputed from the dumped predictions (scores and labels)
    scores = torch.stack([s['pred_score'] for s in samples])
    labels = torch.cat([s['gt_label'] for s in samples])
    assert scores.shape == (40, 10) and labels.shape == (40, )
    assert torch.equal(torch.stack([s['pred_label'] for s in samples]).flatten(),
                       scores.argmax(1))
    hits = scores.topk(5, dim=1).indices == labels[:, None]
    assert top1 == pytest.approx(100 * hits[:, 0].float().mean().item(), abs=5e-5)
    assert top5 == pytest.approx(100 * hits.any(1).float().mean().item(), abs=5e-5)


def converted_classifier(path, scale: float, num_classes: int = 10, backbone_only=False):
    """A PP-LCNet classifier checkpoint as the converters write it (meta + state_dict)."""
    state = build_pplcnet_classifier(scale, num_classes=num_classes).state_dict()
    if backbone_only:
        state = select_backbone(state)
    torch.save(dict(meta=dict(converted_from='paddle', source='x.pdparams', scale=scale),
                    state_dict=state), path)
    return str(path)


def test_test_tool_refuses_a_checkpoint_of_another_task(tmp_path):
    ckpt = converted_classifier(tmp_path / 'cls.pth', 1.0, num_classes=1000)
    proc = run_tool('tools/test.py', DET_DEMO, ckpt, '--work-dir', str(tmp_path / 'w'))
    assert proc.returncode != 0
    line = last_error_line(proc)
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    assert line.startswith(f'error: checkpoint {ckpt!r} does not fit config {DET_DEMO!r}: '), line
    assert re.search(r'\d+ missing keys: .*\d+ unexpected keys: .*converted from paddle', line)
    assert 'partial_load=True' in line


def test_load_from_of_another_width_is_refused(tmp_path):
    ckpt = converted_classifier(tmp_path / 'cls_1x.pth', 1.0)
    proc = run_tool('tools/train.py', DEMO, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                    *FAST, f'load_from={ckpt}')
    assert proc.returncode != 0
    line = last_error_line(proc)
    assert re.search(r'does not fit config .*: \d+ shape mismatches: backbone\.', line), line
    assert not (tmp_path / 'w' / 'epoch_1.pth').exists()  # stopped before training


def test_partial_load_is_explicit(tmp_path):
    ckpt = converted_classifier(tmp_path / 'backbone.pth', 0.5, backbone_only=True)
    refused = run_tool('tools/test.py', DEMO, ckpt, '--work-dir', str(tmp_path / 'a'),
                       '--cfg-options', *FAST)
    assert refused.returncode != 0
    assert re.search(r'missing keys: head\.', last_error_line(refused)), refused.stderr[-2000:]
    accepted = run_tool('tools/test.py', DEMO, ckpt, '--work-dir', str(tmp_path / 'b'),
                        '--cfg-options', *FAST, 'partial_load=True')
    assert accepted.returncode == 0, accepted.stderr[-3000:]
    assert 'test metrics: accuracy/top1=' in accepted.stdout


@pytest.mark.hardware
@pytest.mark.skipif(torch.cuda.is_available(), reason='the error is for machines without CUDA')
def test_amp_without_gpu_is_a_clear_error(tmp_path):
    proc = run_tool('tools/train.py', DEMO, '--amp', '--work-dir', str(tmp_path))
    assert proc.returncode != 0
    assert last_error_line(proc) == ('error: --amp (AmpOptimWrapper) needs a CUDA GPU and none '
                                     'is available here; train without --amp on the CPU')


def test_missing_files_are_clear_errors(tmp_path):
    proc = run_tool('tools/train.py', 'configs/cls/nope.py')
    assert proc.returncode != 0
    assert last_error_line(proc) == "error: config file 'configs/cls/nope.py' does not exist"
    missing = str(tmp_path / 'missing.pth')
    proc = run_tool('tools/test.py', DEMO, missing, '--work-dir', str(tmp_path))
    assert proc.returncode != 0
    assert last_error_line(proc) == f"error: checkpoint file {missing!r} does not exist"
    proc = run_tool('tools/train.py', DEMO, '--resume', missing, '--work-dir', str(tmp_path))
    assert last_error_line(proc) == f"error: --resume: checkpoint file {missing!r} does not exist"


def test_truncated_checkpoint_is_one_line(tmp_path):
    ckpt = converted_classifier(tmp_path / 'cut.pth', 0.5)
    with open(ckpt, 'r+b') as f:
        f.truncate(os.path.getsize(ckpt) // 2)
    proc = run_tool('tools/test.py', DEMO, ckpt, '--work-dir', str(tmp_path / 'w'))
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    assert last_error_line(proc).startswith(
        f'error: checkpoint {ckpt!r} is not a readable torch file (truncated or another '
        'format): '), last_error_line(proc)


def test_misspelled_argument_names_the_nearest_valid_ones(tmp_path):
    proc = run_tool('tools/train.py', DEMO, '--work-dir', str(tmp_path), '--cfg-options',
                    'model.backbone.widen_factr=1.0')
    assert proc.returncode != 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    line = last_error_line(proc)
    assert line.startswith(f"error: config {DEMO!r}: model.backbone: PPLCNet (pplc_vision."
                           "models.backbones.pplcnet) has no argument 'widen_factr': did you "
                           "mean 'widen_factor'?"), line
    assert 'out_indices' in line  # the valid arguments are listed


def test_schedule_without_room_is_one_line(tmp_path):
    proc = run_tool('tools/train.py', DEMO, '--work-dir', str(tmp_path), '--cfg-options',
                    'train_cfg.max_epochs=1')
    assert proc.returncode != 0
    assert last_error_line(proc) == (
        f"error: config {DEMO!r}: param_scheduler[1] (CosineDecayLR) starts at epoch 1, "
        "but train_cfg.max_epochs is 1: it would never run (mmengine: \"end should be larger "
        "than begin\"); set train_cfg.max_epochs above 1 or change its begin/end")


@pytest.mark.parametrize('content', ['', 'DANGLING'])
def test_empty_or_dangling_resume_pointer(tmp_path, content):
    pointer = tmp_path / 'last_checkpoint'
    target = str(tmp_path / 'epoch_7.pth')
    pointer.write_text(target if content == 'DANGLING' else content)
    proc = run_tool('tools/train.py', DEMO, '--work-dir', str(tmp_path), '--resume')
    assert proc.returncode != 0
    line = last_error_line(proc)
    expected = f'points to {target}, which does not exist' if content else 'is empty'
    assert line.startswith(f'error: --resume: {pointer} {expected}'), line


def test_get_flops_cli():
    proc = run_tool('tools/analysis_tools/get_flops.py', 'configs/cls/pplcnet_1x_in1k.py',
                    '--shape', '224', '224')
    assert proc.returncode == 0, proc.stderr[-2000:]
    params = float(re.search(r'params: ([\d.]+) M', proc.stdout).group(1))
    macs = float(re.search(r'MACs: ([\d.]+) M', proc.stdout).group(1))
    assert round(params, 1) == 3.0 and abs(macs / 161 - 1) < 0.03  # paper Table 2, 1x


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    atomic_save.atomic_write_bytes(b'old', target)

    def broken_replace(src, dst):
        raise OSError('disk full')

    monkeypatch.setattr(atomic_save.os, 'replace', broken_replace)
    with pytest.raises(OSError, match='disk full'):
        atomic_save.atomic_write_bytes(b'new and longer', target)
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


@pytest.mark.slow
def test_demo_training_reaches_bar(tmp_path):
    """The demo config's full schedule learns: measured 70% val top-1 (chance: 10%)."""
    work = tmp_path / 'demo'
    train = run_tool('tools/train.py', DEMO, '--work-dir', str(work), timeout=1800)
    assert train.returncode == 0, train.stderr[-3000:]
    ckpt = (work / 'last_checkpoint').read_text().strip()
    test = run_tool('tools/test.py', DEMO, ckpt, '--work-dir', str(tmp_path / 'test'))
    assert test.returncode == 0, test.stderr[-3000:]
    top1 = float(re.search(r'accuracy/top1=([\d.]+)', test.stdout).group(1))
    assert top1 >= 55.0, test.stdout[-2000:]
