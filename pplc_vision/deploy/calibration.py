"""Real images for calibration and drift checks, and BatchNorm statistics from them.

Calibration and drift checks use real photographs: a user folder of images, or by default
scikit-image's bundled CC0/public-domain photos (``skimage.data``), cut into random crops. The
int8 quantisation itself is NNCF's (:mod:`pplc_vision.deploy.int8`).
"""
import os
from typing import Iterable, List, Optional, Sequence, Tuple, Union

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


def _to_rgb(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.shape[2] == 4:
        img = img[:, :, :3]
    return np.ascontiguousarray(img.astype(np.uint8))


def load_images(folder: Optional[str] = None) -> List[np.ndarray]:
    """RGB uint8 images from ``folder`` (searched recursively), or scikit-image's photos."""
    if folder is None:
        try:  # optional dependency: only the default photographs need scikit-image
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


def calibration_batches(calibration: Union[np.ndarray, Sequence[np.ndarray]], batch: int,
                        who: str) -> List[np.ndarray]:
    """``calibration`` (a float32 ``(N, C, H, W)`` array, or a list of them whose image sizes
    differ, for a graph of dynamic size) cut into batches of ``batch`` images; ``who`` names
    the caller in the one-line errors."""
    if not isinstance(calibration, np.ndarray):
        if len(calibration) == 0:
            raise ValueError(f'{who}: no calibration images')
        return [b for part in calibration for b in calibration_batches(part, batch, who)]
    if calibration.ndim != 4 or len(calibration) == 0:
        raise ValueError(f'{who}: calibration must be a non-empty (N, C, H, W) array, '
                         f'got shape {calibration.shape}')
    usable = len(calibration) // batch * batch
    if usable == 0:
        raise ValueError(f'{who}: {len(calibration)} calibration images are fewer than the '
                         f'model batch size {batch}')
    return [np.ascontiguousarray(calibration[i:i + batch], np.float32)
            for i in range(0, usable, batch)]
