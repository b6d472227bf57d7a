"""The predictor-overhead benchmark (pplc_vision.benchmark.predictor_overhead) at a tiny cost:
both models at small sizes, one round of a few calls; the structure, the numbers' consistency
and the markdown section."""
import os

import pytest

from pplc_vision.apis import load_config
from pplc_vision.benchmark.machine import environment
from pplc_vision.benchmark.markdown import render_overhead
from pplc_vision.benchmark.predictor_overhead import MODELS, measure_model, set_test_size
from pplc_vision.benchmark.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CANDIDATES = 60
WARMUP, ITERS = 1, 3


@pytest.fixture(scope='module')
def rows():
    det, seg = MODELS
    settings = Settings(threads=2, rounds=1, warmup=WARMUP, iters=ITERS, calib_images=4,
                        root=ROOT, log=lambda msg: None)
    return [measure_model(det._replace(shape=(128, 128), candidates=CANDIDATES), settings),
            measure_model(seg._replace(shape=(128, 256), round_iters=ITERS, calib_images=2),
                          settings)]


def test_every_contender_is_timed_and_the_overhead_is_the_ratio_of_medians(rows):
    det, seg = rows
    assert det['graphs'] == ['head', 'nms'] and seg['graphs'] == ['logits', 'labels']
    for row in rows:
        results = row['results']
        assert set(results) == {f'{part}:{g}' for g in row['graphs']
                                for part in ('predictor', 'graph')} | {'network', 'decode'}
        for key, r in results.items():
            assert r['latency_ms']['iters'] == ITERS and r['rounds_ms']['rounds'] == 1, key
            assert r['latency_ms']['median'] > 0, key
        network = results['network']
        assert network['engine'] == 'openvino' and network['precision'] == 'fp32'
        assert network['threads'] == 2
        for graph in row['graphs']:
            predictor = results[f'predictor:{graph}']
            assert predictor['mode'] == graph
            stages = predictor['stages_ms']
            assert all(stages[s] > 0 for s in ('preprocess', 'network', 'postprocess'))
            # every call's stages lie within its wall time, so do their medians
            assert stages['total'] <= predictor['latency_ms']['median']
            assert row['overhead'][graph] == pytest.approx(
                predictor['latency_ms']['median'] / network['latency_ms']['median'] - 1)


def test_inputs_and_detection_candidates(rows):
    det, seg = rows
    assert det['input_hw'] == [128, 128] and seg['input_hw'] == [128, 256]
    assert det['image_size'] == '500x375'  # the demo photo, resized by the test pipeline
    assert seg['image_size'] == '640x427, resized to 256x128 (bilinear) as a frame of that size'
    assert seg['results']['decode']['file'] == 'frame.png'
    # the shifted class biases give the graph the asked number of candidates (eager PyTorch
    # set them, OpenVINO computes them: a score at the threshold may fall either way)
    assert abs(det['candidates'] - CANDIDATES) <= 2
    assert set(det['detections']) == {'head', 'nms'}
    assert 0 < det['detections']['head'] <= CANDIDATES
    assert 'candidates' not in seg


def test_test_size_rewrites_every_resize_of_the_test_pipeline():
    cfg = load_config(os.path.join(ROOT, MODELS[1].config))
    set_test_size(cfg, (128, 256))
    resizes = [t for t in cfg.test_dataloader.dataset.pipeline if t['type'] == 'Resize']
    assert [t['scale'] for t in resizes] == [(256, 128)]


def test_markdown_section(rows):
    result = dict(threads=2, engine='openvino', precision='fp32', rounds=1, warmup=WARMUP,
                  iters=ITERS, seg_iters=ITERS, candidates=CANDIDATES, rows=rows,
                  load_average=dict(before=[1.0, 1.0, 1.0], after=[2.0, 2.0, 2.0]),
                  environment=environment(), command='python tools/x.py --tables overhead')
    text = render_overhead(result)
    assert text.startswith('### Predictor overhead: image to result against the network alone '
                           '(openvino fp32)')
    table = [line for line in text.splitlines() if line.startswith('| PicoDet') or
             line.startswith('| DeepLabV3+')]
    assert len(table) == 4
    det = rows[0]
    head = det['results']['predictor:head']
    assert f"| {100 * det['overhead']['head']:+.0f}% |" in table[0]
    assert f"| {head['stages_ms']['postprocess']:.1f} |" in table[0]
    assert 'NMS in the graph' in table[1] and '128x256' in table[2]
    assert 'logits at input size' in table[2] and '`--seg-output labels`' in table[3]
    assert f"the graph gives {det['candidates']} candidates" in text
    assert text.endswith('    python tools/x.py --tables overhead')
