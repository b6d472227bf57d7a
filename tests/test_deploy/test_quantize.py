"""Calibration images, BatchNorm re-estimation (``deploy.calibration``) and NNCF int8
quantisation (``deploy.int8``)."""
import cv2
import numpy as np
import pytest
import torch
from torch import nn

from pplc_vision.deploy.calibration import load_images, random_crops, recalibrate_batchnorm
from pplc_vision.deploy.export import export_onnx
from pplc_vision.deploy.int8 import quantize_int8


def test_images_from_a_folder(tmp_path):
    (tmp_path / 'sub').mkdir()
    img = np.zeros((20, 30, 3), np.uint8)
    img[..., 2] = 255  # red in BGR
    cv2.imwrite(str(tmp_path / 'a.png'), img)
    cv2.imwrite(str(tmp_path / 'sub' / 'b.jpg'), img)
    (tmp_path / 'notes.txt').write_text('not an image')
    images = load_images(str(tmp_path))
    assert len(images) == 2
    assert images[0].shape == (20, 30, 3) and images[0][0, 0, 0] > 200  # RGB order


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='is not a folder'):
        load_images(str(tmp_path / 'missing'))
    with pytest.raises(ValueError, match='no .*png.* file in'):
        load_images(str(tmp_path))
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='cannot decode .*broken.png'):
        load_images(str(tmp_path))


def test_crops_are_normalised_and_reproducible(real_photos):
    a = random_crops(real_photos, 6, (48, 64), seed=3)
    b = random_crops(real_photos, 6, (48, 64), seed=3)
    c = random_crops(real_photos, 6, (48, 64), seed=4)
    assert a.shape == (6, 3, 48, 64) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert -3 < a.mean() < 3 and 0.3 < a.std() < 3


def test_batchnorm_statistics_are_those_of_the_images():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).eval()
    batches = [torch.randn(4, 3, 8, 8) * 3 + 1 for _ in range(3)]
    assert recalibrate_batchnorm(net, batches) == 1
    assert not net.training
    feats = torch.cat([net[0](b) for b in batches]).detach()
    torch.testing.assert_close(net[1].running_mean, feats.mean((0, 2, 3)), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(net[1].running_var, feats.var((0, 2, 3)), rtol=2e-2, atol=1e-4)
    assert net[1].momentum == 0.1  # restored


def test_onnx_int8_is_nncf_qdq_and_checks_its_inputs(tmp_path):
    import onnxruntime as ort
    import onnx
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()).eval()
    path = export_onnx(net, torch.zeros(2, 3, 8, 8), str(tmp_path / 'm.onnx'))
    calibration = np.random.default_rng(0).normal(size=(4, 3, 8, 8)).astype(np.float32)
    with pytest.raises(ValueError, match='preset must be one of'):
        quantize_int8(path, str(tmp_path / 'q.onnx'), calibration, preset='accuracy')
    with pytest.raises(ValueError, match=r"out_path must end in one of \('.xml', '.onnx'\)"):
        quantize_int8(path, str(tmp_path / 'q.engine'), calibration)
    with pytest.raises(ValueError, match='fewer than the model batch size 2'):
        quantize_int8(path, str(tmp_path / 'q.onnx'), calibration[:1])
    out = quantize_int8(path, str(tmp_path / 'q.onnx'), calibration)
    ops = {n.op_type for n in onnx.load(out).graph.node}
    assert 'QuantizeLinear' in ops and 'DequantizeLinear' in ops
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    got = session.run(None, {session.get_inputs()[0].name: calibration[:2]})[0]
    want = net(torch.from_numpy(calibration[:2])).detach().numpy()
    assert np.abs(got - want).max() < 0.05 * np.abs(want).max()  # quantised, not broken


def test_openvino_int8_is_nncf_quantised_with_bias_correction(tmp_path, real_photos):
    import openvino as ov
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Hardswish(),
                        nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.Hardswish(),
                        nn.Conv2d(8, 4, 1)).eval()
    path = export_onnx(net, torch.zeros(1, 3, 32, 32), str(tmp_path / 'm.onnx'))
    calibration = random_crops(real_photos, 8, (32, 32), seed=0)
    with pytest.raises(ValueError, match=r'non-empty \(N, C, H, W\) array'):
        quantize_int8(path, str(tmp_path / 'q.xml'), calibration[0])
    out = quantize_int8(path, str(tmp_path / 'q.xml'), calibration)
    model = ov.Core().read_model(out)
    assert any(op.get_type_name() == 'FakeQuantize' for op in model.get_ordered_ops())
    # Bias correction found the convolutions' biases (the ONNX front end alone hides them
    # behind shape sub-graphs) and changed them to undo the quantisation's shift.
    biases = {p.numel(): p.detach().numpy().ravel() for p in (net[2].bias, net[4].bias)}
    corrected = []
    for op in model.get_ordered_ops():
        if op.get_type_name() in ('Convolution', 'GroupConvolution'):
            for add in (t.get_node() for t in op.output(0).get_target_inputs()):
                bias = add.input_value(1).get_node() if add.get_type_name() == 'Add' else None
                if bias is not None and bias.get_type_name() == 'Constant' and \
                        bias.get_data().size in biases:
                    corrected.append((bias.get_data().ravel(), biases[bias.get_data().size]))
    assert corrected, 'no convolution bias is a constant: NNCF cannot correct biases'
    assert any(not np.array_equal(new, old) and np.allclose(new, old, atol=0.5)
               for new, old in corrected)


def test_int8_without_nncf_names_the_package(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, 'nncf', None)  # import nncf -> ImportError
    with pytest.raises(ImportError, match='needs nncf, onnx and openvino: pip install'):
        quantize_int8(str(tmp_path / 'm.onnx'), str(tmp_path / 'q.xml'),
                          np.zeros((1, 3, 8, 8), np.float32))


def test_openvino_int8_quantises_paddles_mobilenet_v3(tmp_path, real_photos):
    """Paddle's MobileNetV3 (its SE gate is a slope-0.2 hard-sigmoid) quantises: exported as a
    Mul + Add after the SE conv, the gate's Add was taken for the conv's bias by NNCF's bias
    correction, which failed ("cannot reshape array of size 24 into shape (1,1,1,1)")."""
    from pplc_vision.models.backbones.paddle_mobilenet_v3 import PaddleMobileNetV3
    torch.manual_seed(0)
    net = PaddleMobileNetV3(arch='large', widen_factor=0.35, out_indices=(4, )).eval()
    path = export_onnx(net, torch.zeros(1, 3, 64, 64), str(tmp_path / 'm.onnx'))
    out = quantize_int8(path, str(tmp_path / 'q.xml'),
                        random_crops(real_photos, 4, (64, 64), seed=0))
    assert out.endswith('q.xml')
