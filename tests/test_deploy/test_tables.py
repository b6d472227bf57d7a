"""The paper-table reproduction: rows build, ratios and markdown come out right."""
import json
import os
import subprocess
import sys

import pytest

from pplc_vision.benchmark.tables import (TABLES, build_row_model, measure_table,
                                          parse_engine_specs, render_table,
                                          update_markdown_section)
from pplc_vision.benchmark.complexity import measure_complexity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'analysis_tools', 'reproduce_tables.py')


@pytest.mark.parametrize('row', TABLES['table3'].rows, ids=lambda r: r.name)
def test_table3_rows_have_the_papers_size(row):
    model = build_row_model(row.build, ROOT)
    size = measure_complexity(model, (3, 224, 224))
    # torchvision's and timm's baselines round channels differently from Paddle's (up to 24%
    # off); PP-LCNet is exact
    tol = 0.06 if row.name.startswith('PP-LCNet') else 0.25
    assert abs(size.params_m - row.params_m) <= tol * row.params_m + 0.05, size
    assert abs(size.macs_m - row.macs_m) <= tol * row.macs_m + 1, size


@pytest.mark.parametrize('key', ['table4', 'table5'])
def test_detection_and_segmentation_rows_build(key):
    for row in TABLES[key].rows:
        assert build_row_model(row.build, ROOT) is not None


def test_measure_and_render_a_table(tmp_path):
    engines = parse_engine_specs(['pytorch', 'onnxruntime:fp32'])
    measured = measure_table(TABLES['table3'], engines, threads=2, warmup=0, iters=2,
                             calib_images=4, drift_images=2,
                             rows=['PP-LCNet-0.25x', 'MobileNetV2-0.25x'], log=lambda m: None)
    assert [m['row']['name'] for m in measured['rows']] == ['MobileNetV2-0.25x',
                                                           'PP-LCNet-0.25x']
    ratio, = measured['ratios']
    assert ratio['paper'] == pytest.approx(1.74 / 2.47)
    lat = {m['row']['name']: m['latency'] for m in measured['rows']}
    assert ratio['measured']['pytorch:fp32'] == pytest.approx(
        lat['PP-LCNet-0.25x']['pytorch:fp32']['latency_ms']['median'] /
        lat['MobileNetV2-0.25x']['pytorch:fp32']['latency_ms']['median'])
    for latencies in lat.values():
        assert latencies['onnxruntime:fp32']['drift_vs_pytorch_fp32']['relative_error'] < 1e-4
    text = render_table(measured)
    assert '| PP-LCNet-0.25x | 1.52 / 1.5 | 18 / 18 | 1.74 |' in text
    assert 'onnxruntime:fp32 (ms)' in text and '2 threads' in text

    doc = tmp_path / 'benchmarks.md'
    doc.write_text('# Title\n\nintro\n\n<!-- BEGIN table3 -->\nold\n<!-- END table3 -->\n\nend\n')
    update_markdown_section(str(doc), 'table3', text)
    update_markdown_section(str(doc), 'paddle', 'paddle text')
    content = doc.read_text()
    assert 'old' not in content and text in content
    assert content.startswith('# Title\n\nintro\n') and '\nend\n' in content
    assert content.rstrip().endswith('paddle text\n<!-- END paddle -->')


def test_bad_engine_spec():
    with pytest.raises(ValueError, match="engine 'onnxruntime' does not run bf16"):
        parse_engine_specs(['onnxruntime:bf16'])


def test_paddle_inference_runs_the_same_network(tmp_path):
    out = tmp_path / 'paddle.json'
    result = subprocess.run([sys.executable, TOOL, '--tables', 'paddle', '--engines',
                             'openvino:fp32', '--warmup', '0', '--iters', '2', '--json', str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    assert 'Paddle Inference + oneDNN' in result.stdout
    comparison = json.loads(out.read_text())['paddle']
    paddle = comparison['results']['paddle_inference:fp32']
    assert paddle['engine'] == 'paddle' and paddle['precision'] == 'fp32'
    assert paddle['drift_vs_pytorch_fp32']['relative_error'] < 1e-4  # same weights, same logits
    assert set(comparison['speedup_vs_paddle']) == {
        'paddle_inference:fp32', 'openvino:fp32', 'pytorch:fp32', 'pytorch:fp32:unfused'}
    assert comparison['fused_over_unfused_speedup'] > 0


def test_paddle_after_torch_is_refused(tmp_path):
    import paddle
    loaded = list(sys.modules)
    assert loaded.index('torch') < loaded.index('paddle')  # the situation the error is for
    from pplc_vision.deploy.engines import PaddleInferenceEngine
    layer = paddle.nn.Conv2D(3, 4, 3)
    with pytest.raises(RuntimeError, match='torch was imported before paddle'):
        PaddleInferenceEngine(layer, (1, 3, 8, 8), str(tmp_path), 'fp32', 1)


def test_paddle_comparison_without_paddle_is_skipped_with_a_message(monkeypatch, capsys):
    import importlib.util
    monkeypatch.setitem(sys.modules, 'paddle', None)  # import paddle -> ImportError
    spec = importlib.util.spec_from_file_location('reproduce_tables', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(['--tables', 'paddle', '--engines', 'pytorch']) == 0
    err = capsys.readouterr().err
    assert "paddle comparison skipped: engine 'paddle' is not installed" in err
    assert 'pip install paddlepaddle==3.3.1' in err


def test_cli_rejects_a_bad_engine():
    result = subprocess.run([sys.executable, TOOL, '--engines', 'pytorch:int8'],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 2
    assert "engine 'pytorch' does not run int8" in result.stderr


@pytest.mark.slow  # 75 s of CPU: 1024x2048 segmenters (one timed run each)
def test_tables_3_to_5_end_to_end(tmp_path):
    """The CLI measures one comparison pair of each table and writes JSON and markdown."""
    pairs = {key: TABLES[key].pairs[-1] for key in ('table3', 'table4', 'table5')}
    out, doc = tmp_path / 'tables.json', tmp_path / 'benchmarks.md'
    rows = [name for pair in pairs.values() for name in pair]
    result = subprocess.run(
        [sys.executable, TOOL, '--tables', 'table3', 'table4', 'table5', '--engines',
         'pytorch:fp32', '--rows', *rows, '--warmup', '0', '--iters', '1', '--seg-warmup', '0',
         '--seg-iters', '1', '--calib-images', '2', '--seg-calib-images', '2', '--drift-images',
         '1', '--json', str(out),
         '--doc', str(doc)], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stderr
    measured = json.loads(out.read_text())
    assert set(measured) == {'table3', 'table4', 'table5'}
    for key, pair in pairs.items():
        table = measured[key]
        assert table['input_hw'] == list(TABLES[key].input_hw)
        assert sorted(m['row']['name'] for m in table['rows']) == sorted(pair)
        for m in table['rows']:
            assert m['params_m'] > 0.1 and m['macs_m'] > 10
            latency = m['latency']['pytorch:fp32']
            assert latency['precision'] == 'fp32' and latency['latency_ms']['median'] > 0
            assert latency['input_shape'] == [1, 3, *TABLES[key].input_hw]
        ratio, = table['ratios']
        assert (ratio['ours'], ratio['baseline']) == pair
        paper = {r.name: r.latency_ms for r in TABLES[key].rows}
        assert ratio['paper'] == pytest.approx(paper[pair[0]] / paper[pair[1]])
        assert ratio['measured']['pytorch:fp32'] > 0
        assert f'<!-- BEGIN {key} -->' in doc.read_text()
    assert '| PicoDet PP-LCNet-1x / PicoDet MobileNetV3-large-0.75x | 0.71 |' in result.stdout
