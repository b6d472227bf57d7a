"""Fixtures of the deployment tests: real images and small PP-LCNets trained on them.

Precision drift (bf16, int8) is only meaningful on a trained network: random weights give
near-constant logits whose argmax flips under any noise. No pretrained weights are available
offline, so PP-LCNet-0.5x networks are trained here: for bf16, a few hundred steps on the
embedded Fashion-MNIST subset (``data/demo_cls``, 200 validation images); for int8, whose
top-1 agreement must be measured to within a fraction of a percent, 3 epochs on the full
Fashion-MNIST (Debian's ``dataset-fashion-mnist``), tested on its 10,000 test images.
"""
import glob
import os
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
import pytest
import torch

from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.datasets.fashion_mnist import DEBIAN_ROOT, load_fashion_mnist
from pplc_vision.deploy.calibration import load_images

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_CLS = os.path.join(ROOT, 'data', 'demo_cls')
TRAIN_SIZE = 32  # Fashion-MNIST is 28x28; 32 keeps every stage's feature map at least 1x1
TRAIN_STEPS = 600
# The int8 test network: Fashion-MNIST at 64x64, normalised as the Fashion-MNIST configs do,
# label smoothing 0.1 as in configs/cls/pplcnet_0.5x_fashion-mnist.py.
FASHION_DATA_CONFIG = os.path.join(ROOT, 'configs', '_base_', 'datasets',
                                   'fashion_mnist_bs64_64px.py')
FASHION_SIZE = 64
FASHION_EPOCHS = 3


@dataclass
class TrainedClassifier:
    model: torch.nn.Module
    train_images: np.ndarray  # preprocessed (N, 3, H, W) float32
    val_images: np.ndarray
    val_labels: np.ndarray

    def val_logits(self) -> np.ndarray:
        return predict_logits(self.model, self.val_images)


def load_demo_split(split: str, size: int):
    """Images (normalised to [-1, 1]) and labels of a ``data/demo_cls`` split."""
    paths = sorted(glob.glob(os.path.join(DEMO_CLS, split, '*', '*.png')))
    assert paths, f'no demo images under {DEMO_CLS}/{split}'
    images, labels = [], []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
        images.append(((img[:, :, ::-1].astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1))
        labels.append(int(os.path.basename(os.path.dirname(path)).split('_')[0]))
    return np.ascontiguousarray(np.stack(images)), np.array(labels)


def train_pplcnet_05x(batch_of: Callable[[np.ndarray], torch.Tensor], labels: np.ndarray,
                      steps: int, seed: int = 0, label_smoothing: float = 0.0) -> torch.nn.Module:
    """PP-LCNet-0.5x with 10 classes trained by SGD (one-cycle, batch 64, random flips) on the
    images that ``batch_of(indices)`` returns; left in eval mode."""
    torch.manual_seed(seed)
    model = build_pplcnet_classifier(0.5, num_classes=10)
    model.init_weights()
    optimizer = torch.optim.SGD(model.parameters(), 0.2, momentum=0.9, weight_decay=5e-5,
                                nesterov=True)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.2, total_steps=steps,
                                                   pct_start=0.15)
    rng = np.random.default_rng(seed)
    model.train()
    for _ in range(steps):
        idx = rng.choice(len(labels), 64, replace=False)
        x = batch_of(idx)
        if rng.random() < 0.5:
            x = x.flip(3)
        loss = torch.nn.functional.cross_entropy(model(x, mode='tensor'),
                                                 torch.from_numpy(labels[idx]),
                                                 label_smoothing=label_smoothing)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


def predict_logits(model: torch.nn.Module, images: np.ndarray) -> np.ndarray:
    """fp32 eager logits of ``images``, 500 at a time."""
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(images[i:i + 500]), mode='tensor')
                          for i in range(0, len(images), 500)]).numpy()


def val_accuracy(model: torch.nn.Module, images: np.ndarray, labels: np.ndarray) -> float:
    return float((predict_logits(model, images).argmax(1) == labels).mean())


@pytest.fixture(scope='session')
def trained_classifier() -> TrainedClassifier:
    """PP-LCNet-0.5x trained on the 600 demo training images (SGD, one cycle)."""
    torch.manual_seed(0)
    x_train, y_train = load_demo_split('train', TRAIN_SIZE)
    x_val, y_val = load_demo_split('val', TRAIN_SIZE)
    model = train_pplcnet_05x(lambda idx: torch.from_numpy(x_train[idx]), y_train, TRAIN_STEPS)
    accuracy = val_accuracy(model, x_val, y_val)
    assert accuracy > 0.6, f'the test classifier did not train: val accuracy {accuracy:.2f}'
    return TrainedClassifier(model, x_train, x_val, y_val)


def fashion_mnist_normalisation() -> tuple:
    """(mean, std) of the Fashion-MNIST configs' data preprocessor (one value per channel)."""
    from mmengine.config import Config
    pre = Config.fromfile(FASHION_DATA_CONFIG).data_preprocessor
    return pre.mean[0], pre.std[0]


def fashion_mnist_inputs(images: np.ndarray, mean: float, std: float) -> np.ndarray:
    """uint8 ``(N, 64, 64)`` images -> normalised float32 ``(N, 3, 64, 64)`` network inputs."""
    x = (images.astype(np.float32) - mean) / std
    return np.ascontiguousarray(np.repeat(x[:, None], 3, axis=1))


def load_fashion_mnist_resized(split: str) -> tuple:
    """One Fashion-MNIST split as uint8 ``(N, 64, 64)`` images (upsampled) and labels."""
    images, labels = load_fashion_mnist(DEBIAN_ROOT, split, 10)  # error names the apt package
    size = (FASHION_SIZE, FASHION_SIZE)
    return np.stack([cv2.resize(img, size, interpolation=cv2.INTER_LINEAR) for img in images]), \
        labels.astype(np.int64)


@pytest.fixture(scope='session')
def fashion_mnist_classifier() -> TrainedClassifier:
    """PP-LCNet-0.5x trained for 3 epochs on Fashion-MNIST's 60,000 training images (64x64);
    ``train_images`` are 512 of them (for calibration), ``val_images`` the 10,000 test images."""
    x_train, y_train = load_fashion_mnist_resized('train')
    x_test, y_test = load_fashion_mnist_resized('test')
    mean, std = fashion_mnist_normalisation()
    steps = FASHION_EPOCHS * len(y_train) // 64
    model = train_pplcnet_05x(
        lambda idx: torch.from_numpy(fashion_mnist_inputs(x_train[idx], mean, std)), y_train,
        steps, label_smoothing=0.1)
    test_images = fashion_mnist_inputs(x_test, mean, std)
    accuracy = val_accuracy(model, test_images, y_test)
    assert accuracy > 0.85, f'the int8 test network did not train: test accuracy {accuracy:.3f}'
    return TrainedClassifier(model, fashion_mnist_inputs(x_train[:512], mean, std), test_images,
                             y_test)


@pytest.fixture(scope='session')
def real_photos():
    """scikit-image's bundled photographs (RGB uint8)."""
    return load_images()
