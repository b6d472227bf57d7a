"""onnxruntime int8: not offered by the tools, because no quantisation of PP-LCNet makes it faster
than onnxruntime fp32 (issue 33).

Speed is a benchmark, not a timed test: ``tools/analysis_tools/onnxruntime_int8.py`` races every
recipe against onnxruntime fp32. Measured 2026-12-07 on a 2-core Intel Xeon with AMX shared
with other engineers' jobs (load 18-22 on 2 cores, so milliseconds 40x the quiet machine's; the
interleaved rounds keep the ratios comparable, but they moved by up to 2x between two runs),
PP-LCNet-1x at 224x224, batch 1, 2 threads, two runs: the fastest recipe at 0.80x of
onnxruntime fp32 both times (onnxruntime's ``quantize_static`` QOperator, per-channel weights,
in one run; the same with depthwise convolutions and SE blocks left in float in the other),
NNCF's QDQ file (what the engines built) at 0.25-0.26x, every recipe between; the issue's bar
is 1.5x. OpenVINO int8 ran 1.40x its fp32 in the same race. What agreement with fp32 the
recipes keep is tested here, so that a faster onnxruntime can be offered again on evidence.
"""
import os
import sys

import numpy as np
import pytest
import torch

from pplc_vision.benchmark.drift import measure_drift, run_batches
from pplc_vision.benchmark.table_build import parse_engine_specs
from pplc_vision.deploy.engines import (NOT_OFFERED, OnnxRuntimeEngine, build_engine,
                                        check_engine, offered_engines)

from test_engines import cpu_has_vnni

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'analysis_tools'))
import latency as latency_tool  # noqa: E402
import onnxruntime_int8 as benchmark  # noqa: E402

REASON = 'onnxruntime int8 is slower than onnxruntime fp32 on PP-LCNet'
# onnxruntime's quantize_static agreed with fp32 on 98.98% of these images (deploy/int8.py):
# the floor of its recipes here, below the 99% (NNCF's file reaches it: 99.45%)
STATIC_FLOOR = 0.985
FASTEST = ('ort-qoperator-per-channel', 'ort-qoperator-float-dw-se')  # of the two benchmark runs


def test_the_tools_do_not_offer_onnxruntime_int8_and_say_why(capsys):
    assert REASON in NOT_OFFERED['onnxruntime', 'int8']
    with pytest.raises(ValueError, match=f"engine 'onnxruntime' int8 is not offered: {REASON}"):
        check_engine('onnxruntime', 'int8')
    with pytest.raises(ValueError, match='is not offered.*use openvino int8'):
        parse_engine_specs(['openvino:int8', 'onnxruntime:int8'])
    with pytest.raises(ValueError, match='is not offered'):  # before anything is exported
        build_engine(torch.nn.Conv2d(3, 4, 1), torch.zeros(1, 3, 8, 8), 'onnxruntime', 'int8',
                     calibration=np.zeros((1, 3, 8, 8), np.float32))
    assert offered_engines('int8') == ['openvino']
    with pytest.raises(ValueError, match=r"for int8 use \['openvino'\]"):
        check_engine('pytorch', 'int8')
    config = os.path.join(ROOT, 'configs', 'cls', 'pplcnet_0.5x_demo-fashion-mnist.py')
    assert latency_tool.main([config, '--engine', 'onnxruntime', '--precision', 'int8']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and REASON in err[0]
    check_engine('onnxruntime', 'int8', offered_only=False)  # a user's int8 file still loads


@pytest.mark.slow  # the int8 test network (shared with test_engines.py), three quantisations
@pytest.mark.hardware  # int8 kernels differ without VNNI (see test_engines.py)
@pytest.mark.skipif(not cpu_has_vnni(), reason='this CPU has no VNNI/AMX int8 instructions')
def test_onnxruntime_int8_agreement_on_fashion_mnist(fashion_mnist_classifier, tmp_path):
    """Top-1 agreement with fp32 on Fashion-MNIST's 10,000 test images of the engines' former
    onnxruntime int8 file (NNCF QDQ) and of the fastest onnxruntime recipes of the benchmark:
    the decision rests on speed, not on agreement."""
    model = fashion_mnist_classifier.model
    images = fashion_mnist_classifier.val_images
    reference = fashion_mnist_classifier.val_logits()
    build_engine(model, torch.from_numpy(images[:1]), 'onnxruntime', 'fp32', workdir=str(tmp_path))
    calibration = fashion_mnist_classifier.train_images[:128]
    agreement = {}
    for name in ('nncf-qdq', ) + FASTEST:
        path = benchmark.VARIANTS[name](str(tmp_path / 'model.onnx'),
                                        str(tmp_path / f'{name}.onnx'), calibration)
        drift = measure_drift(reference, run_batches(OnnxRuntimeEngine(path, 'int8', 2),
                                                     images)[0])
        assert drift.images == 10000 and drift.relative_error > 1e-4, (name, drift)
        agreement[name] = drift.top1_agreement
    assert agreement['nncf-qdq'] >= 0.99, agreement  # 99.45% measured (seed 0, Zen 4)
    assert all(agreement[name] >= STATIC_FLOOR for name in FASTEST), agreement
