"""Model files are untrusted input: a crafted payload never runs at any weight-loading entry
point, the refusal is one line naming the file, and Runner checkpoints still load."""
import fractions
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.runner import load_checkpoint

import pplc_vision  # noqa: F401  (registers the safe-loading allowlist)
from pplc_vision.compat import TRUST_ENV, CheckpointLoadError, safe_torch_load
from payloads import write_evil_pdparams, write_evil_pth

ROOT = Path(__file__).resolve().parents[2]
DET_CONFIG = str(ROOT / 'configs/det/picodet_pplcnet_1x_demo-voc.py')
SEG_CONFIG = str(ROOT / 'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py')
CLS_CONFIG = str(ROOT / 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py')


@pytest.fixture
def evil(tmp_path: Path):
    """(evil .pth, evil .pdparams, the marker their payload would create)."""
    marker = tmp_path / 'PAYLOAD_RAN'
    return (write_evil_pth(tmp_path / 'evil.pth', marker),
            write_evil_pdparams(tmp_path / 'evil.pdparams', marker), marker)


def assert_refused_in_one_line(message: str, path: Path, marker: Path) -> None:
    assert not marker.exists(), 'the payload ran'
    assert '\n' not in message.strip(), message
    assert str(path) in message and 'posix.system' in message, message


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def assert_tool_refused(proc: subprocess.CompletedProcess, path: Path, marker: Path) -> None:
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: '), proc.stderr[-2000:]
    assert_refused_in_one_line(last, path, marker)


@pytest.mark.parametrize('protocol', [2, 4])
def test_paddle_converter_refuses_a_payload(tmp_path, evil, protocol):
    _, _, marker = evil
    src = write_evil_pdparams(tmp_path / f'evil{protocol}.pdparams', marker, protocol)
    proc = run_tool('tools/model_converters/paddle2pplcnet.py', str(src), str(tmp_path / 'o.pth'))
    assert_tool_refused(proc, src, marker)
    assert not (tmp_path / 'o.pth').exists()


def test_timm_converter_refuses_a_payload(tmp_path, evil):
    src, _, marker = evil
    proc = run_tool('tools/model_converters/timm2pplcnet.py', str(src), str(tmp_path / 'o.pth'))
    assert_tool_refused(proc, src, marker)


def test_test_tool_refuses_a_payload(tmp_path, evil):
    src, _, marker = evil
    proc = run_tool('tools/test.py', CLS_CONFIG, str(src), '--work-dir', str(tmp_path / 'w'))
    assert_tool_refused(proc, src, marker)


@pytest.mark.parametrize('how', ['load_from', 'resume'])
def test_train_tool_refuses_a_payload(tmp_path, evil, how):
    src, _, marker = evil
    args = ['--cfg-options', f'load_from={src}'] if how == 'load_from' else ['--resume', str(src)]
    proc = run_tool('tools/train.py', CLS_CONFIG, '--work-dir', str(tmp_path / 'w'), *args)
    assert_tool_refused(proc, src, marker)


def test_mmengine_load_checkpoint_refuses_a_payload(evil):
    src, _, marker = evil
    with pytest.raises(CheckpointLoadError) as info:
        load_checkpoint(torch.nn.Linear(1, 1), str(src), map_location='cpu')
    assert_refused_in_one_line(str(info.value), src, marker)


def test_init_functions_refuse_a_payload(evil):
    from mmdet.apis import init_detector
    from mmpretrain.apis import get_model
    from mmseg.apis import init_model as init_segmentor
    src, _, marker = evil
    for build in (lambda: init_detector(DET_CONFIG, str(src), device='cpu'),
                  lambda: init_segmentor(SEG_CONFIG, str(src), device='cpu'),
                  lambda: get_model(CLS_CONFIG, pretrained=str(src), device='cpu')):
        with pytest.raises(CheckpointLoadError) as info:
            build()
        assert_refused_in_one_line(str(info.value), src, marker)


def test_inferencers_refuse_a_payload(evil):
    from mmdet.apis import DetInferencer
    from mmpretrain.apis import ImageClassificationInferencer
    from mmseg.apis import MMSegInferencer
    src, _, marker = evil
    for build in (lambda: DetInferencer(DET_CONFIG, str(src), device='cpu'),
                  lambda: MMSegInferencer(SEG_CONFIG, str(src), device='cpu'),
                  lambda: ImageClassificationInferencer(CLS_CONFIG, pretrained=str(src),
                                                        device='cpu')):
        with pytest.raises(CheckpointLoadError) as info:
            build()
        assert_refused_in_one_line(str(info.value), src, marker)


def test_trusted_file_loads_with_the_documented_switch(tmp_path, monkeypatch):
    path = tmp_path / 'trusted.pth'
    torch.save(dict(state_dict={}, note=fractions.Fraction(1, 3)), path)
    with pytest.raises(CheckpointLoadError, match=f'{TRUST_ENV}=1'):
        safe_torch_load(str(path))
    monkeypatch.setenv(TRUST_ENV, '1')
    assert safe_torch_load(str(path))['note'] == fractions.Fraction(1, 3)


def test_unreadable_checkpoint_is_one_line(tmp_path):
    path = tmp_path / 'truncated.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CheckpointLoadError) as info:
        safe_torch_load(str(path))
    assert '\n' not in str(info.value) and str(path) in str(info.value)
    assert 'not a readable torch file' in str(info.value)


class AttributeOf:
    """Unpickles as ``getattr(owner, name)``, as pickle writes a method reference."""

    def __init__(self, owner, name: str) -> None:
        self.owner, self.name = owner, name

    def __reduce__(self):
        return getattr, (self.owner, self.name)


@pytest.mark.parametrize('owner,name', [('HistoryBuffer', 'update'),
                                        ('HistoryBuffer', '__init__'),
                                        ('ndarray', 'tofile')])
def test_getattr_reaches_only_the_history_buffer_statistics(tmp_path, owner, name):
    import numpy as np
    from mmengine.logging import HistoryBuffer
    path = tmp_path / 'getattr.pth'
    owners = dict(HistoryBuffer=HistoryBuffer, ndarray=np.ndarray)
    torch.save({'meta': {'x': AttributeOf(owners[owner], name)}}, path)
    with pytest.raises(CheckpointLoadError, match='builtins.getattr') as info:
        safe_torch_load(str(path))
    assert '\n' not in str(info.value)
    torch.save({'meta': {'x': AttributeOf(HistoryBuffer, 'mean')}}, path)
    assert safe_torch_load(str(path))['meta']['x'] is HistoryBuffer.mean
