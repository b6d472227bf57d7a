"""ONNX export of a segmentor: tensor in, logits or label map out, onnxruntime parity."""
import numpy as np
import pytest
import torch
from seg_helpers import load_seg_config

from pplc_vision.apis import build_model_from_config
from pplc_vision.deploy.engines import onnxruntime_session
from pplc_vision.deploy.tasks import SegmentationTask, SegmentorExportWrapper

import onnxruntime  # noqa: F401,E402  (a declared deploy dependency)


@pytest.fixture(scope='module')
def segmentor():
    torch.manual_seed(0)
    model = build_model_from_config(
        load_seg_config('deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py', from_scratch=True))
    model.init_weights()
    # non-trivial BN statistics, so that the parity covers the folded normalisations
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return model.eval()


def test_wrapper_matches_the_mmseg_prediction(segmentor):
    image = torch.randint(0, 256, (3, 96, 160), dtype=torch.uint8)  # BGR, as mmseg loads it
    with torch.no_grad():
        data = segmentor.data_preprocessor(dict(inputs=[image]), False)
        expected = segmentor.encode_decode(data['inputs'], [dict(img_shape=(96, 160))])
        logits = SegmentorExportWrapper(segmentor)(image[None].float())
        labels = SegmentorExportWrapper(segmentor, output='labels')(image[None].float())
    assert logits.shape == (1, 19, 96, 160)
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4)
    assert torch.equal(labels, expected.argmax(1))


@pytest.mark.parametrize('output', ['logits', 'labels'])
def test_onnxruntime_parity(segmentor, output, tmp_path):
    task = SegmentationTask(load_seg_config('deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py',
                                            from_scratch=True))
    path = task.export(segmentor, str(tmp_path / 'seg.onnx'), (128, 256), graph=output,
                       dynamic=True)
    session = onnxruntime_session(path, threads=1)
    wrapper = SegmentorExportWrapper(segmentor, output=output)
    for shape in ((1, 3, 128, 256), (2, 3, 96, 160)):  # dynamic batch and size
        x = torch.rand(*shape) * 255
        with torch.no_grad():
            expected = wrapper(x).numpy()
        (got, ) = session.run(None, {'input': x.numpy()})
        if output == 'logits':
            assert got.shape == (shape[0], 19) + shape[2:]
            np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
        else:
            assert got.shape == (shape[0], ) + shape[2:]
            assert (got == expected).mean() > 0.999  # argmax of near-ties may differ


def test_wrapper_rejects_bad_arguments(segmentor):
    with pytest.raises(ValueError, match='output must be one of'):
        SegmentorExportWrapper(segmentor, output='probs')
    with pytest.raises(TypeError, match='expected an mmseg EncoderDecoder'):
        SegmentorExportWrapper(torch.nn.Conv2d(3, 3, 1))
