"""``--engine auto``: the engines raced briefly at load, the fastest used, the choice and its
margin reported (issue 33)."""
import dataclasses
import json
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pplc_vision.deploy.engines import auto, build_fastest_engine, offered_engines, pick_fastest
from pplc_vision.deploy import cpu
from pplc_vision.deploy.engines import interleaved

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'analysis_tools'))
import latency as latency_tool  # noqa: E402


@pytest.fixture
def fake_clock(monkeypatch):
    """``time.perf_counter`` advanced only by the fake engines' calls: a race without noise."""
    clock = dict(now=0.0)
    monkeypatch.setattr(interleaved.time, 'perf_counter', lambda: clock['now'])
    assert auto.time is interleaved.time  # one clock for the sizing call and the race

    def engine(cost_s):
        calls = []

        def run(inputs):
            calls.append(inputs.shape)
            clock['now'] += cost_s
            return (inputs, )
        run.calls = calls
        return run
    return engine


def test_picks_the_faster_of_two_engines_and_reports_it(fake_clock):
    slow, fast = fake_clock(0.003), fake_clock(0.002)
    inputs = np.zeros((1, 3, 8, 8), np.float32)
    choice = pick_fastest({'slow': slow, 'fast': fast}, inputs, budget_s=0.1, rounds=3)
    assert choice.engine == 'fast'
    assert choice.medians_ms == pytest.approx(dict(slow=3.0, fast=2.0))
    assert choice.margin == pytest.approx(1.5)
    # sized to the budget: 0.1 s over 3 rounds of 5 ms per round-trip -> 6 calls per round
    assert (choice.rounds, choice.calls) == (3, 6)
    # each engine: one sizing call, then per round 1 warm-up and 6 timed calls, on the inputs
    assert len(slow.calls) == len(fast.calls) == 1 + 3 * 7
    assert set(slow.calls) == {(1, 3, 8, 8)}
    line = choice.line()
    assert line == ('engine auto: fast, 1.50x faster than slow (2.00 vs 3.00 ms median, '
                    '3 interleaved rounds of 6 calls each)')
    # the order in which the engines are given does not decide
    assert pick_fastest({'fast': fast, 'slow': slow}, inputs, budget_s=0.1).engine == 'fast'


def test_one_engine_or_none(fake_clock):
    inputs = np.zeros((1, 3, 8, 8), np.float32)
    only = pick_fastest({'openvino': fake_clock(0.001)}, inputs, budget_s=0.01,
                        skipped={'onnxruntime': 'not installed'})
    assert (only.engine, only.margin) == ('openvino', 1.0)
    assert only.line() == ('engine auto: openvino (the only engine that runs this model at '
                           'this precision here); not raced: onnxruntime (not installed)')
    with pytest.raises(ValueError, match=r'engine auto: no engine runs this model here: '
                       r'openvino \(this CPU has no bf16 support\)'):
        pick_fastest({}, inputs, skipped={'openvino': 'this CPU has no bf16 support'})


def test_builds_every_engine_of_the_precision_and_returns_the_chosen_one(monkeypatch):
    """Real engines on a tiny network; one that is not installed is left out with its reason."""
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)  # import onnxruntime -> ImportError
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU()).eval()
    engine, choice = build_fastest_engine(model, torch.zeros(1, 3, 16, 16), 'fp32', threads=1,
                                          budget_s=0.05)
    assert set(choice.medians_ms) == {'pytorch', 'openvino'}
    assert 'onnxruntime' in choice.skipped and 'pip install onnxruntime' in \
        choice.skipped['onnxruntime']
    assert engine.name == choice.engine and engine.precision == 'fp32'
    assert choice.medians_ms[choice.engine] == min(choice.medians_ms.values())
    assert offered_engines('int8') == ['openvino']  # onnxruntime int8: not offered


CLS_CONFIG = os.path.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_demo-fashion-mnist.py')


def test_latency_tool_engine_auto(tmp_path, capsys):
    """The latency tool races, times the chosen engine and says which and by how much."""
    out = tmp_path / 'r.json'
    rc = latency_tool.main([CLS_CONFIG, '--engine', 'auto', '--shape', '64', '64', '--warmup', '0',
                            '--iters', '2', '--rounds', '2', '--drift-images', '2',
                            '--calib-images', '4', '--json', str(out)])
    assert rc == 0, capsys.readouterr().err
    report = json.loads(out.read_text())
    choice = report['engine_choice']
    assert set(choice['medians_ms']) == {'pytorch', 'onnxruntime', 'openvino'}
    part, = report['results']
    assert part['engine'] == choice['engine'] and part['precision'] == 'fp32'
    assert f"engine auto: {choice['engine']}, {choice['margin']:.2f}x faster than" in \
        capsys.readouterr().out


# ------------------------------------------------------------ the cached choice over a file
class FakeFileEngine:
    """An engine over a file as ``load_engine`` gives it, timed by ``fake_clock``."""

    def __init__(self, name, run):
        self.name, self.run = name, run

    def __call__(self, inputs):
        return self.run(inputs)


@pytest.fixture
def fake_files(fake_clock, monkeypatch, tmp_path):
    """``load_engine`` gives fake engines (openvino 2 ms, onnxruntime 1 ms a call); every race
    is counted; returns a loader of the fastest engine over ``tmp_path/model.onnx``."""
    cost = dict(openvino=0.002, onnxruntime=0.001)
    races, loads = [], []
    monkeypatch.setattr(auto, 'load_engine', lambda path, name, precision, threads: (
        loads.append(name) or FakeFileEngine(name, fake_clock(cost[name]))))
    real_race = auto.race
    monkeypatch.setattr(auto, 'race', lambda *a, **k: races.append(1) or real_race(*a, **k))
    model = tmp_path / 'model.onnx'
    model.write_bytes(b'graph v1')
    checked = []

    def load(cache='use', precision='fp32', threads=1):
        return auto.load_fastest_engine(
            str(model), precision, threads, checked.append, lambda: np.zeros((1, 3, 8, 8),
                                                                           np.float32),
            cache, str(tmp_path / 'cache'), budget_s=0.05)
    return SimpleNamespace(load=load, races=races, loads=loads, checked=checked, model=model,
                           cache=tmp_path / 'cache')


def test_the_choice_is_cached_and_reused_without_a_race(fake_files):
    engine, choice = fake_files.load()
    assert (engine.name, choice.cached, len(fake_files.races)) == ('onnxruntime', False, 1)
    assert len(fake_files.checked) == 1  # the caller's checks, on the first engine loaded
    cached_file, = fake_files.cache.iterdir()
    stored = json.loads(cached_file.read_text())  # JSON, the whole key in it
    assert stored['key']['precision'] == 'fp32' and stored['key']['threads'] == 1
    assert set(stored['key']['cpu']) == set(auto._CPU_KEY)
    fake_files.loads.clear()
    engine, again = fake_files.load()
    assert len(fake_files.races) == 1  # no second race
    assert fake_files.loads == ['onnxruntime']  # only the chosen engine is loaded
    assert engine.name == 'onnxruntime' and again.cached
    assert again.margin == pytest.approx(choice.margin) == pytest.approx(2.0)
    assert again.line().startswith('engine auto: onnxruntime (cached), 2.00x faster than '
                                   'openvino')
    fake_files.load(cache='refresh')  # --no-cache: races again, and the file is replaced
    assert len(fake_files.races) == 2 and len(list(fake_files.cache.iterdir())) == 1
    fake_files.load(cache='off')
    assert len(fake_files.races) == 3


@pytest.mark.parametrize('change', ['model file', 'threads', 'cpu', 'engine version'])
def test_a_changed_key_races_again(fake_files, monkeypatch, change):
    fake_files.load()
    if change == 'model file':
        fake_files.model.write_bytes(b'graph v2')
    elif change == 'cpu':  # what /proc/cpuinfo says: another model, other instruction sets
        monkeypatch.setattr(cpu, '_read_cpuinfo', lambda path='': {
            'model name': 'Another CPU', 'flags': 'avx avx2 fma'})
    elif change == 'engine version':
        real = auto.importlib.metadata.version
        monkeypatch.setattr(auto.importlib.metadata, 'version', lambda name: '0.0.1' if
                            name == 'openvino' else real(name))
    _, choice = fake_files.load(threads=2 if change == 'threads' else 1)
    assert len(fake_files.races) == 2 and not choice.cached
    _, choice = fake_files.load(threads=2 if change == 'threads' else 1)
    assert len(fake_files.races) == 2 and choice.cached  # the new key is cached in turn


@pytest.mark.parametrize('content', [
    b'\x80\x04\x95 not JSON (a pickle)', b'{"format": 1, "key": ', b'[1, 2]',
    b'{"format": 1, "key": {}, "choice": {}}', 'key', 'engine'])
def test_a_damaged_cache_file_is_refused_in_one_line_and_raced_again(fake_files, caplog,
                                                                       content):
    fake_files.load()
    path, = fake_files.cache.iterdir()
    if content in ('key', 'engine'):  # valid JSON, wrong inside
        data = json.loads(path.read_text())
        if content == 'key':
            data['key']['precision'] = 'bf16'
        else:
            data['choice']['engine'] = 'os.system'
        content = json.dumps(data).encode()
    path.write_bytes(content)
    with caplog.at_level('WARNING', logger=auto.__name__):
        engine, choice = fake_files.load()
    assert len(fake_files.races) == 2 and not choice.cached and engine.name == 'onnxruntime'
    warning, = [r for r in caplog.records if r.name == auto.__name__]
    text = warning.getMessage()
    assert text.startswith(f'engine auto: ignoring the damaged cache file {path} (')
    assert text.endswith('); racing again') and '\n' not in text and not warning.exc_info
    _, choice = fake_files.load()  # replaced by the new race's choice
    assert choice.cached and len(fake_files.races) == 2


def test_one_engine_for_the_file_is_not_raced(fake_files):
    """int8 (onnxruntime int8 is not offered) and OpenVINO IR: one engine, no race."""
    engine, choice = fake_files.load(precision='int8')
    assert (engine.name, choice.medians_ms, fake_files.races) == ('openvino', {}, [])
    assert auto.file_engines('model.xml', 'fp32') == ['openvino']
    assert auto.file_engines('model.onnx', 'fp32') == ['onnxruntime', 'openvino']
    assert not fake_files.cache.exists()  # nothing raced, nothing cached


@pytest.fixture(scope='module')
def cls_onnx(tmp_path_factory):
    """The demo Fashion-MNIST PP-LCNet-0.5x (random weights) exported at 64x64."""
    from mmengine.config import Config

    from pplc_vision.deploy.tasks import task_for
    from pplc_vision.registry import build_model_from_config
    cfg = Config.fromfile(CLS_CONFIG)
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp('auto') / 'cls.onnx')
    task_for(cfg).export(build_model_from_config(cfg).eval(), path, (64, 64))
    return cfg, path


def test_predictor_and_infer_engine_auto_race_once_then_use_the_cache(cls_onnx, tmp_path,
                                                                      monkeypatch, capsys):
    """Real engines: the predictor races onnxruntime and OpenVINO over the file and predicts
    with the faster; infer.py then loads the cached choice (no race), prints it with
    "(cached)" and writes it to --out; --no-cache races again."""
    from pplc_vision.deploy.predictor import Predictor

    from deploy_helpers import load_tool
    cfg, path = cls_onnx
    monkeypatch.setenv('PPLC_CACHE_DIR', str(tmp_path / 'cache'))
    races = []
    real_race = auto.race
    monkeypatch.setattr(auto, 'race', lambda *a, **k: races.append(1) or real_race(*a, **k))
    predictor = Predictor(cfg, path, 'auto', threads=1)
    choice = predictor.engine_choice
    assert set(choice.medians_ms) == {'onnxruntime', 'openvino'} and not choice.cached
    assert predictor.engine.name == choice.engine and len(races) == 1
    photo = os.path.join(ROOT, 'data', 'demo_cls', 'val', '5_sandal')
    photo = os.path.join(photo, sorted(os.listdir(photo))[0])
    expected = Predictor(cfg, path, choice.engine, threads=1)(photo).summary()
    assert predictor(photo).summary() == expected

    infer = load_tool(Path(ROOT) / 'tools' / 'deployment' / 'infer.py')
    out = tmp_path / 'r.json'
    args = [CLS_CONFIG, path, photo, '--engine', 'auto', '--threads', '1']
    assert infer.main(args + ['--out', str(out)]) == 0
    assert len(races) == 1  # the predictor's choice, from the cache
    printed = capsys.readouterr().out
    assert dataclasses.replace(choice, cached=True).line() in printed.splitlines()
    assert expected in printed
    report = json.loads(out.read_text())
    assert report['engine'] == choice.engine
    assert report['engine_choice'] == dict(choice.as_dict(), cached=True)
    with pytest.raises(SystemExit):  # argparse's one line: --no-cache without auto
        infer.main([CLS_CONFIG, path, photo, '--engine', 'openvino', '--no-cache'])
    assert '--no-cache is for --engine auto (got --engine openvino)' in capsys.readouterr().err
    assert infer.main(args + ['--no-cache']) == 0
    assert len(races) == 2
    line, = [x for x in capsys.readouterr().out.splitlines() if x.startswith('engine auto')]
    assert re.fullmatch(r'engine auto: (onnxruntime|openvino), \d+\.\d\dx faster than '
                        r'(onnxruntime|openvino) \(.* ms median, 3 interleaved rounds of \d+ '
                        r'calls each\)', line)
