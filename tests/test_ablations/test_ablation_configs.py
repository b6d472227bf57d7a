"""The ablation configs of the paper's Tables 6 to 9: they build, predict, carry the switches
their rows describe, and their params and MACs move the way the tables imply."""
import glob
import importlib.util
import json
import os
import subprocess
import sys

import pytest
import torch
from mmpretrain.structures import DataSample
from torch import nn

from pplc_vision.apis import build_model_from_config, load_config
from pplc_vision.benchmark.ablations import (ABLATION_DIR, ABLATION_TABLES, DESIGN_CONFIG,
                                             ablation_config, ablation_configs,
                                             measure_ablations, render_ablations, select_tables)
from pplc_vision.benchmark.complexity import measure_complexity
from pplc_vision.benchmark.settings import Settings
from pplc_vision.models.layers import DepthSepConv, scaled_width

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'analysis_tools', 'ablation_table.py')
NUM_BLOCKS = 13


def _build(config: str) -> nn.Module:
    return build_model_from_config(load_config(os.path.join(ROOT, config)))


@pytest.fixture(scope='module')
def sizes():
    """Params and MACs (224x224) of every config of the four tables."""
    return {c: measure_complexity(_build(c), (3, 224, 224)) for c in ablation_configs()}


def _blocks(model: nn.Module):
    blocks = [m for m in model.backbone.modules() if isinstance(m, DepthSepConv)]
    assert len(blocks) == NUM_BLOCKS
    return blocks


def _se_mask(model: nn.Module) -> str:
    return ''.join('0' if b.se is None else '1' for b in _blocks(model))


def _k5_mask(model: nn.Module) -> str:
    return ''.join('1' if b.dw_conv.conv.kernel_size == (5, 5) else '0' for b in _blocks(model))


def _activations(model: nn.Module) -> set:
    """Activation types of the stem, the blocks' convs and the head (SE gates excluded)."""
    convs = [model.backbone.conv1] + [c for b in _blocks(model) for c in (b.dw_conv, b.pw_conv)]
    acts = {type(c.activate).__name__ for c in convs}
    if model.head.act is not None:
        acts.add(type(model.head.act).__name__)
    return acts


def test_every_config_in_the_folder_is_a_table_row():
    on_disk = {os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, ABLATION_DIR,
                                                                        '*.py'))}
    used = set(ablation_configs())
    assert on_disk == used - {DESIGN_CONFIG}
    for table in ABLATION_TABLES.values():
        assert sum(r.is_design for r in table.rows) == 1, table.key


@pytest.mark.parametrize('config', ablation_configs(), ids=os.path.basename)
def test_config_builds_and_predicts(config):
    cfg = load_config(os.path.join(ROOT, config))
    assert cfg.model.backbone.widen_factor == cfg.model.head.widen_factor == 0.5
    model = _build(config)
    assert model.head.in_channels == 256
    samples = [DataSample().set_gt_label(1), DataSample().set_gt_label(3)]
    with torch.no_grad():
        preds = model(torch.randn(2, 3, 64, 64), samples, mode='predict')
    assert len(preds) == 2
    for p in preds:
        assert p.pred_score.shape == (1000, ) and torch.isfinite(p.pred_score).all()
        assert float(p.pred_score.sum()) == pytest.approx(1.0, abs=1e-4)


def test_table6_and_7_masks_are_what_the_rows_say():
    for key, mask_of in (('table6', _se_mask), ('table7', _k5_mask)):
        for row in ABLATION_TABLES[key].rows:
            assert mask_of(_build(row.config)) == row.label.split()[1], (key, row.label)


def test_table6_se_params_grow_with_the_channels_they_sit_on(sizes):
    """SE costs about C^2/2 parameters: the first blocks' SE is nearly free, the last two cost
    more, SE everywhere most; MACs grow the same way (SE on every block)."""
    none = sizes[ablation_config('no-se')].params
    first, middle, design, every = (sizes[r.config] for r in ABLATION_TABLES['table6'].rows)
    assert none < first.params < middle.params < design.params < every.params
    assert every.macs > design.macs


def test_table7_fewer_5x5_kernels_lower_the_macs(sizes):
    every, early, design = (sizes[r.config] for r in ABLATION_TABLES['table7'].rows)
    none = sizes[ablation_config('no-large-kernel')]
    assert every.macs > design.macs > none.macs
    assert every.params > design.params > none.params
    # 5x5 on the first seven blocks: high resolution (more MACs), few channels (fewer params)
    assert early.macs > design.macs and early.params < design.params


def test_table8_each_removal_keeps_or_lowers_the_size(sizes):
    design = sizes[DESIGN_CONFIG]
    for row in ABLATION_TABLES['table8'].rows:
        size = sizes[row.config]
        assert size.params <= design.params and size.macs <= design.macs, row.label
    no_act = sizes[ablation_config('no-hswish')]
    assert (no_act.params, no_act.macs) == (design.params, design.macs)  # an activation swap
    for variant in ('no-se', 'no-large-kernel', 'no-last-conv'):
        assert sizes[ablation_config(variant)].params < design.params, variant


def test_removing_the_last_conv_removes_exactly_its_weights(sizes):
    head = load_config(os.path.join(ROOT, DESIGN_CONFIG)).model.head
    c, mid, n = scaled_width(head.in_channels, head.widen_factor), head.mid_channels, \
        head.num_classes
    removed = sizes[DESIGN_CONFIG].params - sizes[ablation_config('no-last-conv')].params
    # last conv (no bias) and the 1280-input FC, replaced by a c-input FC
    assert removed == c * mid + (mid * n + n) - (c * n + n)


def test_table8_and_9_switch_the_right_techniques():
    design = _build(DESIGN_CONFIG)
    assert _activations(design) == {'Hardswish'}
    assert _activations(_build(ablation_config('no-hswish'))) == {'ReLU'}
    basenet = _build(ablation_config('basenet'))
    assert _activations(basenet) == {'ReLU'}
    assert _se_mask(basenet) == _k5_mask(basenet) == '0' * NUM_BLOCKS
    assert basenet.head.last_conv is None
    no_dropout = _build(ablation_config('no-dropout'))
    assert no_dropout.head.dropout.p == 0 and design.head.dropout.p > 0


def test_table9_each_step_adds_or_keeps_size(sizes):
    rows = ABLATION_TABLES['table9'].rows
    steps = [sizes[r.config] for r in rows]
    for before, after, row in zip(steps, steps[1:], rows[1:]):
        assert after.params >= before.params and after.macs >= before.macs, row.label
    # h-swish and dropout add nothing; large kernel, SE and the last conv add parameters
    grows = [after.params > before.params for before, after in zip(steps, steps[1:])]
    assert grows == [False, True, True, True, False]
    assert rows[-1].config == DESIGN_CONFIG


def test_paper_numbers_agree_across_tables():
    """A network in several tables (the design; no last conv = BaseNet + all but the last
    conv) has the same paper top-1 and latency in each."""
    seen = {}
    for table in ABLATION_TABLES.values():
        for row in table.rows:
            assert seen.setdefault(row.config, (row.top1, row.latency_ms)) == \
                (row.top1, row.latency_ms), row.label


def test_unknown_table_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown ablation table\(s\) \['table10'\]"):
        select_tables(['table10'])


def test_measure_with_latency_and_render():
    measured = measure_ablations(['table7'], [('pytorch', 'fp32')], Settings(
        threads=1, rounds=1, warmup=0, iters=2, root=ROOT, log=lambda m: None))
    rows = measured['tables'][0]['rows']
    assert [r['config'] for r in rows] == [r.config for r in ABLATION_TABLES['table7'].rows]
    design = rows[-1]
    assert design['latency_vs_design'] == {'pytorch:fp32': 1.0}
    for r in rows[:-1]:
        assert r['latency_vs_design']['pytorch:fp32'] == pytest.approx(
            r['latency']['pytorch:fp32'] / design['latency']['pytorch:fp32'])
        assert r['paper_latency_vs_design'] == pytest.approx(r['paper_latency_ms'] / 2.05)
    text = render_ablations(measured)
    assert '| 5x5 1111111111111 | `pplcnet_0.5x_k5-1111111111111_in1k.py` |' in text
    assert 'pytorch:fp32 / design' in text and '1 threads' in text


def test_tool_without_latency(tmp_path):
    out, md = tmp_path / 'abl.json', tmp_path / 'abl.md'
    result = subprocess.run([sys.executable, TOOL, '--no-latency', '--tables', 'table8',
                             '--json', str(out), '--markdown', str(md)],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    table, = json.loads(out.read_text())['tables']
    assert [r['label'] for r in table['rows']] == [r.label for r in
                                                   ABLATION_TABLES['table8'].rows]
    assert md.read_text().strip() == result.stdout.strip()
    assert '| without last 1x1 conv | `pplcnet_0.5x_no-last-conv_in1k.py` |' in result.stdout
    # the table closes with the command that measured it (docs/benchmarks.md shows it)
    command = 'python tools/analysis_tools/ablation_table.py --no-latency --tables table8'
    assert result.stdout.rstrip().splitlines()[-1].strip().startswith(command), result.stdout
    assert json.loads(out.read_text())['command'].startswith(command)


def test_tool_rejects_a_bad_engine(capsys):
    spec = importlib.util.spec_from_file_location('ablation_table_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(['--engines', 'onnxruntime:bf16']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('ablation_table.py: error:') and len(err.splitlines()) == 1
    assert "engine 'onnxruntime' does not run bf16" in err
