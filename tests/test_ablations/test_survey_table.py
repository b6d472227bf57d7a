"""The seed survey table: every network builds from its library, MobileOne in its deploy form,
top-1 comes from the named source, and the command runs with tiny iteration counts."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest
import torch

from pplc_vision.benchmark.paper_data import TABLE2
from pplc_vision.benchmark.survey import (SURVEY_MODELS, build_survey_model, reported_top1,
                                          select_models)
from pplc_vision.benchmark.table_build import MACS_TOLERANCE
from pplc_vision.deploy.fuse import reparameterize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'analysis_tools', 'survey_table.py')
# one network of each library: this repository, mmpretrain (re-parameterised), torchvision, timm
SUBSET = ['PP-LCNet-0.25x', 'MobileOne-S0', 'ShuffleNetV2-1x', 'GhostNet-1x']


def _params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _mmpretrain_params(name: str) -> int:
    from mmpretrain.apis import ModelHub
    return int(ModelHub.get(name).metadata.parameters)


def test_the_survey_covers_the_seed_networks():
    names = [m.name for m in SURVEY_MODELS]
    assert names[:8] == [r.name for r in TABLE2]
    assert [n for n in names if n.startswith('MobileOne')] == [f'MobileOne-S{i}'
                                                              for i in range(5)]
    for family in ('MobileNetV1', 'MobileNetV2', 'MobileNetV3-small', 'MobileNetV3-large',
                   'ShuffleNetV1', 'ShuffleNetV2', 'SqueezeNet-1.1', 'GhostNet'):
        assert sum(n.startswith(family) for n in names) == 1, family
    assert {m.library for m in SURVEY_MODELS} == {'pplc_vision', 'mmpretrain', 'torchvision',
                                                  'timm'}


@pytest.mark.parametrize('entry', SURVEY_MODELS, ids=lambda m: m.name)
def test_every_model_has_a_sourced_top1(entry):
    top1, source = reported_top1(entry)
    assert 50 < top1 < 85 and source
    if entry.library in ('torchvision', 'mmpretrain'):
        assert entry.top1 is None  # read from the library, never typed here
        assert entry.weights in source or entry.model in source


@pytest.mark.parametrize('entry', [m for m in SURVEY_MODELS if m.library != 'pplc_vision'],
                         ids=lambda m: m.name)
def test_library_models_build_with_the_librarys_size(entry):
    model = build_survey_model(entry, ROOT)
    before = _params(model)
    switched = reparameterize(model)
    assert (switched > 0) == entry.name.startswith('MobileOne')
    if entry.library == 'torchvision':
        from torchvision.models import get_weight
        assert _params(model) == get_weight(entry.weights).meta['num_params']
    elif entry.name.startswith('MobileOne'):
        # mmpretrain's metafile gives the deploy-form size, smaller than the training form
        assert _params(model) == _mmpretrain_params(entry.model) < before
    with torch.no_grad():
        out = model(torch.randn(1, 3, 224, 224))
    assert out.shape == (1, 1000)


def test_unknown_model_is_a_clear_error(capsys):
    with pytest.raises(ValueError, match=r"unknown survey model\(s\) \['MobileNetV9'\]"):
        select_models(['MobileNetV9'])
    spec = importlib.util.spec_from_file_location('survey_table_tool', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(['--models', 'MobileNetV9']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('survey_table.py: error: unknown survey model') and \
        len(err.splitlines()) == 1


def test_command_with_tiny_iteration_counts(tmp_path):
    out, md, doc = tmp_path / 'survey.json', tmp_path / 'survey.md', tmp_path / 'bench.md'
    doc.write_text('# Benchmarks\n\n<!-- BEGIN survey -->\nold\n<!-- END survey -->\n\ntail\n')
    result = subprocess.run(
        [sys.executable, TOOL, '--models', *SUBSET, '--engines', 'pytorch:fp32', '--threads',
         '1', '--warmup', '0', '--iters', '2', '--rounds', '2', '--json', str(out),
         '--markdown', str(md),
         '--doc', str(doc)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr
    measured = json.loads(out.read_text())
    assert measured['engines'] == ['pytorch:fp32'] and measured['threads'] == 1
    rows = {r['name']: r for r in measured['rows']}
    assert list(rows) == SUBSET
    for r in rows.values():
        timing = r['latency']['pytorch:fp32']
        ms = timing['latency_ms']
        # two rounds of one timed run: the median and the mean are both their midpoint
        assert ms['iters'] == 2 and 0 < ms['min'] <= ms['max']
        assert sorted(timing['rounds_ms']['medians']) == pytest.approx([ms['min'], ms['max']])
        assert ms['median'] == pytest.approx((ms['min'] + ms['max']) / 2) == ms['mean']
        assert timing['threads'] == 1 and timing['precision'] == 'fp32'
        assert r['params_m'] > 0.5 and r['macs_m'] > 10
    lcnet, mobileone = rows['PP-LCNet-0.25x'], rows['MobileOne-S0']
    assert lcnet['reported_top1'] == TABLE2[0].metric and 'Table 2' in lcnet['top1_source']
    assert abs(lcnet['macs_m'] - TABLE2[0].macs_m) <= MACS_TOLERANCE * TABLE2[0].macs_m
    assert mobileone['reparameterized_blocks'] > 0
    assert mobileone['params'] == _mmpretrain_params('mobileone-s0_8xb32_in1k')
    assert 'GhostNet paper' in rows['GhostNet-1x']['top1_source']

    text = md.read_text().strip()
    assert text == result.stdout.strip()
    assert ('| MobileOne-S0 | mmpretrain `mobileone-s0_8xb32_in1k` (deploy form, '
            're-parameterised) | 2.08 |') in text
    assert 'pytorch:fp32 (ms) | top-1 (%, reported) | top-1 reported by |' in text
    assert 'torchvision ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1 metadata' in text
    # the table closes with the command that measured it
    assert text.splitlines()[-1].strip().startswith(
        'python tools/analysis_tools/survey_table.py --models '), text[-300:]
    content = doc.read_text()
    assert 'old' not in content and text in content and content.endswith('\ntail\n')
