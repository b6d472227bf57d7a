"""``--engine auto``: the engines raced briefly at load, the fastest used, the choice and its
margin reported (issue 33)."""
import json
import os
import sys

import numpy as np
import pytest
import torch

from pplc_vision.deploy.engines import auto, build_fastest_engine, offered_engines, pick_fastest
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


def test_latency_tool_engine_auto(tmp_path, capsys):
    """The latency tool races, times the chosen engine and says which and by how much."""
    out = tmp_path / 'r.json'
    config = os.path.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_demo-fashion-mnist.py')
    rc = latency_tool.main([config, '--engine', 'auto', '--shape', '64', '64', '--warmup', '0',
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
