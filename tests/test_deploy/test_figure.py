"""The accuracy-latency figure: drawn by reproduce_tables.py from the same run as the tables,
its caption (machine, engine, precision, threads) in the PNG's text chunk and under the image in
the doc."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from pplc_vision.benchmark.figure import figure_points, row_family, tables_from_doc
from pplc_vision.benchmark.machine import cpu_description

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'analysis_tools', 'reproduce_tables.py')
ROWS = ['PP-LCNet-0.25x', 'MobileNetV2-0.25x']


def test_row_family():
    assert row_family('PP-LCNet-0.25x') == 'PP-LCNet'
    assert row_family('MobileNetV3-small-1.25x') == 'MobileNetV3-small'
    assert row_family('MobileNetV1-1x') == 'MobileNetV1'


def test_tiny_run_draws_the_figure_with_its_caption(tmp_path):
    png, doc, out = tmp_path / 'figs' / 'fig.png', tmp_path / 'bench.md', tmp_path / 'run.json'
    png.parent.mkdir()
    doc.write_text('# Benchmarks\n')
    result = subprocess.run(
        [sys.executable, TOOL, '--tables', 'table3', '--engines', 'pytorch:fp32', '--rows',
         *ROWS, '--warmup', '0', '--iters', '1', '--rounds', '1', '--calib-images', '1',
         '--drift-images', '1', '--throughput-batch', '0', '--threads', '2', '--json', str(out),
         '--doc', str(doc), '--figure', str(png)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    image = Image.open(png)
    assert image.format == 'PNG' and image.size[0] > 400
    caption = image.text['Description']
    cpu = cpu_description()
    for part in ('engine pytorch', 'precision fp32', '2 threads', 'batch 1', '224x224',
                 f"machine: {cpu['model']}", 'as published'):
        assert part in caption, (part, caption)
    # the doc's figure section: the image (relative to the doc) and the same caption under it
    text = doc.read_text()
    section = text[text.index('<!-- BEGIN figure -->'):text.index('<!-- END figure -->')]
    assert '![Accuracy against CPU latency](figs/fig.png)\n\n' + caption in section
    assert '--figure ' + str(png) in section  # the command that made it
    # the points are the run's measured medians against the published top-1
    measured = json.loads(out.read_text())
    points = figure_points(measured, 'pytorch:fp32')
    medians = {m['row']['name']: m['latency']['pytorch:fp32']['latency_ms']['median']
               for m in measured['table3']['rows']}
    assert points['PP-LCNet'] == [(medians['PP-LCNet-0.25x'], 51.86, 'PP-LCNet-0.25x')]
    assert points['MobileNetV2'] == [(medians['MobileNetV2-0.25x'], 53.21, 'MobileNetV2-0.25x')]


@pytest.mark.parametrize('argv, message', [
    (['--tables', 'table4', '--figure', 'x.png'], '--figure needs table2 or table3'),
    (['--tables', 'table3', '--engines', 'pytorch', '--figure', 'x.png', '--figure-engine',
      'openvino:fp32'], '--figure-engine openvino:fp32 is not one of the measured --engines'),
])
def test_figure_arguments_checked_before_measuring(argv, message, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'paddle', None)  # the tool imports paddle first if it can
    spec = importlib.util.spec_from_file_location('reproduce_tables', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(argv) == 2
    assert message in capsys.readouterr().err


def load_tool(monkeypatch):
    monkeypatch.setitem(sys.modules, 'paddle', None)  # the tool imports paddle first if it can
    spec = importlib.util.spec_from_file_location('reproduce_tables', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_figure_from_the_doc_draws_the_run_it_holds(tmp_path, monkeypatch):
    """--figure-from-doc times nothing: the points are the doc's table2/table3 medians at the
    engine, the caption its machine line; the committed figure is this command's output."""
    doc, png = tmp_path / 'benchmarks.md', tmp_path / 'figures' / 'fig.png'
    png.parent.mkdir()
    committed = open(os.path.join(ROOT, 'docs', 'benchmarks.md')).read()
    doc.write_text(committed)
    tool = load_tool(monkeypatch)
    assert tool.main(['--figure-from-doc', '--figure-engine', 'openvino:fp32', '--doc', str(doc),
                      '--figure', str(png)]) == 0
    caption = Image.open(png).text['Description']
    table2 = committed.split('<!-- BEGIN table2 -->')[1].split('<!-- END table2 -->')[0]
    machine = table2.split('Measured on ')[1].split(',')[0]  # the run's CPU, as its section says
    for part in ('as published', 'engine openvino', 'precision fp32', '2 threads', 'batch 1',
                 '224x224', '5 interleaved rounds', f'machine: {machine}', 'table2 and table3'):
        assert part in caption, (part, caption)
    section = doc.read_text().split('<!-- BEGIN figure -->')[1].split('<!-- END figure -->')[0]
    assert '![Accuracy against CPU latency](figures/fig.png)\n\n' + caption in section
    # the points: table2's medians first (PP-LCNet-0.25x is in both tables), then table3's
    tables = tables_from_doc(committed, 'openvino:fp32')
    points = figure_points(tables, 'openvino:fp32')
    table2 = committed.split('<!-- BEGIN table2 -->')[1].split('<!-- END table2 -->')[0]
    row = next(ln for ln in table2.splitlines() if ln.startswith('| PP-LCNet-1x |'))
    assert (float(row.split('|')[7].split()[0]), 71.32, 'PP-LCNet-1x') in points['PP-LCNet']
    assert len(points['PP-LCNet']) == 8 and len(points['MobileNetV2']) == 3
    # the committed PNG and the caption under it in docs/benchmarks.md are this run's
    committed_png = Image.open(os.path.join(ROOT, 'docs', 'figures', 'accuracy_latency.png'))
    assert committed_png.text['Description'] == caption.replace(str(doc), 'docs/benchmarks.md')
    readme = open(os.path.join(ROOT, 'README.md')).read()
    assert '![Accuracy against CPU latency](docs/figures/accuracy_latency.png)\n\n' + \
        committed_png.text['Description'] in readme


def test_figure_from_a_doc_without_the_engine_is_one_line(tmp_path, monkeypatch, capsys):
    doc = tmp_path / 'benchmarks.md'
    doc.write_text(open(os.path.join(ROOT, 'docs', 'benchmarks.md')).read())
    tool = load_tool(monkeypatch)
    assert tool.main(['--figure-from-doc', '--figure-engine', 'pytorch:bf16', '--doc', str(doc),
                      '--figure', str(tmp_path / 'x.png')]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'no pytorch:bf16 latency column' in err, err
