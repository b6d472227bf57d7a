"""Real-image calibration data and int8 post-training quantisation.

Calibration and drift checks use real photographs: a user folder of images, or by default
scikit-image's bundled CC0/public-domain photos (``skimage.data``), cut into random crops.
``quantize_onnx`` is onnxruntime's static post-training quantisation in QDQ format (int8 weights
per channel, uint8 activations), the int8 path of the onnxruntime engine. OpenVINO's int8 path is
NNCF (:mod:`pplc_vision.deploy.openvino_int8`): OpenVINO runs the QDQ file too, but 1.4-2.3x
slower than its fp32 on PP-LCNet-1x, against about 2x faster than fp32 for the NNCF model.
"""
import os
from typing import Iterable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
# Photographs bundled with scikit-image (no download); synthetic images are left out.
SKIMAGE_PHOTOS = ('astronaut', 'chelsea', 'coffee', 'rocket', 'hubble_deep_field',
                  'immunohistochemistry', 'retina', 'camera', 'brick', 'grass', 'gravel', 'clock',
                  'coins', 'moon', 'cell', 'page')
CALIBRATION_METHODS = ('minmax', 'entropy', 'percentile')


def _to_rgb(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.shape[2] == 4:
        img = img[:, :, :3]
    return np.ascontiguousarray(img.astype(np.uint8))


def load_images(folder: Optional[str] = None) -> List[np.ndarray]:
    """RGB uint8 images from ``folder`` (searched recursively), or scikit-image's photos."""
    if folder is None:
        try:
            import skimage.data
        except ImportError:
            raise ImportError('scikit-image is not installed: pass a folder of calibration '
                              'images, or pip install scikit-image') from None
        return [_to_rgb(getattr(skimage.data, name)()) for name in SKIMAGE_PHOTOS]
    if not os.path.isdir(folder):
        raise FileNotFoundError(f'calibration images: {folder} is not a folder')
    images = []
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if name.lower().endswith(IMAGE_EXTENSIONS):
                path = os.path.join(root, name)
                img = cv2.imread(path, cv2.IMREAD_COLOR)
                if img is None:
                    raise ValueError(f'calibration images: cannot decode {path}')
                images.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    if not images:
        raise ValueError(f'calibration images: no {"/".join(IMAGE_EXTENSIONS)} file in {folder}')
    return images


def random_crops(images: Sequence[np.ndarray],
                 count: int,
                 size: Tuple[int, int] = (224, 224),
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 seed: int = 0) -> np.ndarray:
    """``count`` normalised crops of the images, as a float32 ``(count, 3, H, W)`` array.

    Each crop covers 10% to 100% of an image (aspect ratio 3/4 to 4/3, as in training's random
    resized crop), is flipped with probability 0.5 and resized to ``size`` = (H, W). Different
    seeds give disjoint-looking sets (calibration vs. evaluation).
    """
    if not images:
        raise ValueError('random_crops: no images')
    rng = np.random.default_rng(seed)
    out = np.empty((count, 3, size[0], size[1]), np.float32)
    mean_a = np.asarray(mean, np.float32)
    std_a = np.asarray(std, np.float32)
    for i in range(count):
        img = images[i % len(images)] if i < len(images) else images[rng.integers(len(images))]
        h, w = img.shape[:2]
        area = rng.uniform(0.1, 1.0) * h * w
        ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        ch = int(min(h, max(8, round(np.sqrt(area / ratio)))))
        cw = int(min(w, max(8, round(np.sqrt(area * ratio)))))
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        crop = img[y:y + ch, x:x + cw]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = cv2.resize(np.ascontiguousarray(crop), (size[1], size[0]),
                          interpolation=cv2.INTER_LINEAR)
        out[i] = ((crop.astype(np.float32) - mean_a) / std_a).transpose(2, 0, 1)
    return out


def preprocessor_mean_std(model: nn.Module) -> Tuple[Tuple[float, ...], Tuple[float, ...]]:
    """The normalisation of an OpenMMLab model's data preprocessor (ImageNet's if it has none)."""
    pre = getattr(model, 'data_preprocessor', None)
    mean, std = getattr(pre, 'mean', None), getattr(pre, 'std', None)
    if isinstance(mean, torch.Tensor) and isinstance(std, torch.Tensor) and mean.numel() == 3:
        return tuple(mean.flatten().tolist()), tuple(std.flatten().tolist())
    return IMAGENET_MEAN, IMAGENET_STD


def recalibrate_batchnorm(module: nn.Module, batches: Iterable[torch.Tensor]) -> int:
    """Re-estimate every BatchNorm's running statistics on ``batches``; returns how many BNs.

    For networks without trained weights (benchmarks, drift tests): it gives random weights the
    activation statistics of real images, as a trained network has, instead of activations that
    vanish or explode (and run on denormals). The module is left in eval mode.
    """
    norms = [m for m in module.modules() if isinstance(m, _BatchNorm) and m.track_running_stats]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all batches
    module.train()
    try:
        with torch.no_grad():
            for batch in batches:
                module(batch)
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        module.eval()
    return len(norms)


def calibration_batches(calibration: np.ndarray, batch: int, who: str) -> List[np.ndarray]:
    """``calibration`` (a float32 ``(N, C, H, W)`` array) cut into batches of ``batch`` images;
    ``who`` names the caller in the one-line errors."""
    if calibration.ndim != 4 or len(calibration) == 0:
        raise ValueError(f'{who}: calibration must be a non-empty (N, C, H, W) array, '
                         f'got shape {calibration.shape}')
    usable = len(calibration) // batch * batch
    if usable == 0:
        raise ValueError(f'{who}: {len(calibration)} calibration images are fewer than the '
                         f'model batch size {batch}')
    return [np.ascontiguousarray(calibration[i:i + batch], np.float32)
            for i in range(0, usable, batch)]


def quantize_onnx(onnx_path: str,
                  out_path: str,
                  calibration: np.ndarray,
                  method: str = 'minmax',
                  per_channel: bool = True,
                  keep_float: Sequence[str] = ('Gemm', 'MatMul')) -> str:
    """Static int8 quantisation (QDQ) of a single-input ONNX model, calibrated on ``calibration``.

    ``calibration`` is a float32 ``(N, C, H, W)`` array of preprocessed real images; it is fed
    in batches of the model's static batch size (1 by default). Nodes of the ``keep_float`` op
    types stay in floating point: by default the classifier's fully connected layer, whose int8
    weights gave the largest logit errors (3x those of the rest of PP-LCNet) for a tiny share of
    the time. Returns ``out_path``.
    """
    try:
        import onnx
        from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                              QuantFormat, QuantType, quantize_static)
        from onnxruntime.quantization.shape_inference import quant_pre_process
    except ImportError:
        raise ImportError('int8 quantisation needs onnx and onnxruntime: '
                          'pip install -e .[deploy]') from None
    methods = dict(minmax=CalibrationMethod.MinMax, entropy=CalibrationMethod.Entropy,
                   percentile=CalibrationMethod.Percentile)
    if method not in methods:
        raise ValueError(f'quantize_onnx: calibration method must be one of '
                         f'{CALIBRATION_METHODS}, got {method!r}')
    graph = onnx.load(onnx_path, load_external_data=False).graph
    if len(graph.input) != 1:
        raise ValueError(f'quantize_onnx: {onnx_path} has {len(graph.input)} inputs, expected 1')
    input_name = graph.input[0].name
    batch_dim = graph.input[0].type.tensor_type.shape.dim[0]
    batches = calibration_batches(
        calibration, batch_dim.dim_value if batch_dim.HasField('dim_value') else 1,
        'quantize_onnx')

    class _Reader(CalibrationDataReader):

        def __init__(self) -> None:
            self._iter = iter(batches)

        def get_next(self):
            batch = next(self._iter, None)
            return None if batch is None else {input_name: batch}

    folder = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    prepared = os.path.join(folder, '.prepared_' + os.path.basename(out_path))
    try:
        quant_pre_process(onnx_path, prepared, skip_symbolic_shape=True)
        excluded = [n.name for n in onnx.load(prepared).graph.node if n.op_type in keep_float]
        quantize_static(
            prepared, out_path, _Reader(), quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            per_channel=per_channel, calibrate_method=methods[method],
            nodes_to_exclude=excluded)
    finally:
        if os.path.exists(prepared):
            os.remove(prepared)
    return out_path
