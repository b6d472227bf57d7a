"""Fixtures of the deployment tests: real images and a small PP-LCNet trained on them.

Precision drift (bf16, int8) is only meaningful on a trained network: random weights give
near-constant logits whose argmax flips under any noise. No pretrained weights are available
offline, so a PP-LCNet-0.5x is trained here for a few hundred steps on the embedded
Fashion-MNIST subset (``data/demo_cls``, real photographs of clothes), then evaluated on that
subset's 200 validation images.
"""
import glob
import os
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
import torch

from pplc_vision.converters import build_pplcnet_classifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_CLS = os.path.join(ROOT, 'data', 'demo_cls')
TRAIN_SIZE = 32  # Fashion-MNIST is 28x28; 32 keeps every stage's feature map at least 1x1
TRAIN_STEPS = 600


@dataclass
class TrainedClassifier:
    model: torch.nn.Module
    train_images: np.ndarray  # preprocessed (N, 3, H, W) float32
    val_images: np.ndarray
    val_labels: np.ndarray


def load_demo_split(split: str, size: int):
    """Images (normalised to [-1, 1]) and labels of a ``data/demo_cls`` split."""
    paths = sorted(glob.glob(os.path.join(DEMO_CLS, split, '*', '*.png')))
    if not paths:
        pytest.skip(f'no demo images under {DEMO_CLS}/{split}')
    images, labels = [], []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
        images.append(((img[:, :, ::-1].astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1))
        labels.append(int(os.path.basename(os.path.dirname(path)).split('_')[0]))
    return np.ascontiguousarray(np.stack(images)), np.array(labels)


@pytest.fixture(scope='session')
def trained_classifier() -> TrainedClassifier:
    """PP-LCNet-0.5x with 10 classes, trained on the 600 demo training images (SGD, one cycle)."""
    torch.manual_seed(0)
    x_train, y_train = load_demo_split('train', TRAIN_SIZE)
    x_val, y_val = load_demo_split('val', TRAIN_SIZE)
    model = build_pplcnet_classifier(0.5, num_classes=10)
    model.init_weights()
    optimizer = torch.optim.SGD(model.parameters(), 0.2, momentum=0.9, weight_decay=5e-5,
                                nesterov=True)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.2, total_steps=TRAIN_STEPS,
                                                   pct_start=0.15)
    rng = np.random.default_rng(0)
    model.train()
    for _ in range(TRAIN_STEPS):
        idx = rng.choice(len(x_train), 64, replace=False)
        x = torch.from_numpy(x_train[idx])
        if rng.random() < 0.5:
            x = x.flip(3)
        loss = torch.nn.functional.cross_entropy(model(x, mode='tensor'),
                                                 torch.from_numpy(y_train[idx]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(torch.from_numpy(x_val), mode='tensor').argmax(1).numpy() == y_val).mean()
    assert accuracy > 0.6, f'the test classifier did not train: val accuracy {accuracy:.2f}'
    return TrainedClassifier(model, x_train, x_val, y_val)


@pytest.fixture(scope='session')
def real_photos():
    """scikit-image's bundled photographs (RGB uint8)."""
    pytest.importorskip('skimage', reason='scikit-image (a test dependency) ships the photos')
    from pplc_vision.deploy.quantize import load_images
    return load_images()
