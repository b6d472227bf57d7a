"""Training-step parity of DeepLabV3+ with PP-LCNet-1x
(configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py) with PaddleSeg's own model and trainer
pieces (paddleseg 2.8.0 wheel): ``DeepLabV3P`` on PaddleClas' ``PPLCNet`` (the wrapper of
pplc_vision/references/paddleseg.py), built with the optimizer, learning-rate schedule and loss
by PaddleSeg's ``SegBuilder`` from a config holding PaddleSeg's Cityscapes recipe
(:data:`CITYSCAPES_YML`), as ``configs/deeplabv3p/deeplabv3p_resnet50_os8_cityscapes_1024x512_80k
.yml`` composes ``configs/_base_/cityscapes.yml`` at v2.8.0 (2e51641a9a): SGD with momentum 0.9
(the builder turns it into Paddle's ``Momentum``), weight decay 4e-5 as the L2 of every parameter
without its own (PaddleClas' BN carry ``L2Decay(0.0)``), ``PolynomialDecay`` from 0.01 to 0 with
power 0.9 over ``iters`` 80000, ``CrossEntropyLoss`` (ignore index 255, mean over labelled pixels).
PaddleSeg never published a PP-LCNet DeepLabV3P config (shared/spec/PAPER.md, Table 5).

The same weights (PaddleSeg's initialisation, saved with ``paddle.save`` and converted by
tools/model_converters/paddleseg2mmseg.py), the same batch (the two demo Cityscapes photos at
128 x 256 with their label maps, 36% and 28% of whose pixels are 255), the training step of
PaddleSeg's ``core/train.py`` (``loss_computation``, ``backward``, ``optimizer.step``,
``lr_sche.step``, ``clear_gradients``) against ours, at iteration :data:`ITERATION` of the 80k run.
Dropout (0.1 after the ASPP projection, on both sides) is set to 0; everything in float64.
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import contextlib
import importlib
import io
import os
import runpy
from typing import Dict, NamedTuple

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample
from pplc_vision.apis import build_model_from_config
from pplc_vision.converters.paddleseg import paddleseg_backbone_key, paddleseg_head_key
from pplc_vision.references.paddleseg import pplcnet_features_class

from training_parity import (Side, assert_grads_match, assert_hyperparameters_match,
                             assert_losses_match, assert_steps_match, build_schedulers,
                             mmengine_side)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, 'configs', 'seg', 'deeplabv3plus_pplcnet_1x_os32_cityscapes.py')
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddleseg2mmseg.py')
DEMO = os.path.join(ROOT, 'data', 'demo_cityscapes')
STEMS = ('skimage_000000_000000', 'skimage_000000_000001')  # camera, rocket
HW = (128, 256)
# PaddleSeg v2.8.0 (2e51641a9a17ede9e2792cb94c7a11a3a56a7e4b), configs/_base_/cityscapes.yml:
# the recipe's optimizer, schedule, loss and length (its readers are tested elsewhere).
CITYSCAPES_YML = """\
batch_size: 2
iters: 80000
train_dataset:
  type: Cityscapes
  dataset_root: data/cityscapes
  mode: train
optimizer:
  type: SGD
  momentum: 0.9
  weight_decay: 4.0e-5
lr_scheduler:
  type: PolynomialDecay
  learning_rate: 0.01
  end_lr: 0
  power: 0.9
loss:
  types:
    - type: CrossEntropyLoss
  coef: [1]
"""
# configs/deeplabv3p/deeplabv3p_resnet50_os8_cityscapes_1024x512_80k.yml at the same commit,
# with the PP-LCNet-1x backbone of the paper's Table 5 (stride 4 and stride 32 features) and
# PaddleSeg's default ASPP rates, as our config.
DEEPLABV3P_YML = """\
_base_: 'cityscapes.yml'
batch_size: 2
iters: 80000
model:
  type: DeepLabV3P
  backbone:
    type: PPLCNetBackbone
    scale: 1.0
  num_classes: 19
  backbone_indices: [0, 1]
  aspp_ratios: [1, 6, 12, 18]
  aspp_out_channels: 256
  align_corners: False
  pretrained: null
"""
BASE_LR, POWER, ITERS, MOMENTUM, WEIGHT_DECAY = 0.01, 0.9, 80000, 0.9, 4e-5
# Half-way through the 80k run: lr 0.01 * 0.5 ** 0.9 = 5.4e-3, where weight decay and momentum
# act on every parameter.
ITERATION = 40000
# 3 optimizer steps; each after the first starts our model from PaddleSeg's weights, both
# optimizers keeping their own momentum and schedule (restart_from_reference), because the two
# trajectories cannot agree on this batch whatever the code. Measured in float64: the first
# step's changes agree within 1.0e-6 (half of it Paddle's hard-sigmoid slope 0.1666667 against
# 1/6: with 1/6 on Paddle's side, 5.2e-7), the second step's within 1.0e-3 and the third's within
# 6e-2 along each side's own trajectory. From the same weights (PaddleSeg's after one step, loaded
# into ours) the second-step gradients agree within 2.1e-6, while our own gradients move by
# 5.1e-3 when our weights move by 1e-7 (relative, random) and by 1.6e-3 when they are rounded to
# float32; a 1e-7 move of the backbone stem alone moves them by 1e-3: on this random-weight model
# and 2-photo batch (batch statistics of 2 images in every BN), any difference grows ~1e3-fold
# per step.
STEPS = 3
# Gradients (and weight changes) below 1e-9 of the largest count as zero: the biases of the convs
# that a BN follows and the shifts of the head's depthwise BNs (a pointwise conv + BN follows)
# have exactly zero gradients, computed as 1e-17..1e-14 of rounding noise on each side (the
# largest gradient is 29, the smallest real one 2.5e-4).
ZERO_BELOW = 1e-9


def demo_batch() -> Dict[str, np.ndarray]:
    """The two demo photos and their label maps at ``HW``, as PaddleSeg feeds them: RGB,
    ``(x / 255 - 0.5) / 0.5`` (its ``Normalize``), NCHW float64; labels int64 with 255."""
    images, labels = [], []
    for stem in STEMS:
        bgr = cv2.imread(os.path.join(DEMO, 'leftImg8bit', 'train', 'skimage',
                                      f'{stem}_leftImg8bit.png'), cv2.IMREAD_COLOR)
        label = cv2.imread(os.path.join(DEMO, 'gtFine', 'train', 'skimage',
                                        f'{stem}_gtFine_labelTrainIds.png'), cv2.IMREAD_UNCHANGED)
        bgr = cv2.resize(bgr, HW[::-1], interpolation=cv2.INTER_LINEAR)
        label = cv2.resize(label, HW[::-1], interpolation=cv2.INTER_NEAREST)
        rgb = bgr[:, :, ::-1].astype(np.float64)
        images.append(((rgb / 255.0 - 0.5) / 0.5).transpose(2, 0, 1))
        labels.append(label.astype(np.int64))
    return dict(image=np.ascontiguousarray(np.stack(images)), label=np.stack(labels))


def segbuilder(folder: str):
    """PaddleSeg's ``SegBuilder`` of the recipe (:data:`CITYSCAPES_YML`, :data:`DEEPLABV3P_YML`)
    with the PP-LCNet wrapper registered as a backbone."""
    manager = importlib.import_module('paddleseg.cvlibs.manager')
    cvlibs = importlib.import_module('paddleseg.cvlibs')
    if 'PPLCNetBackbone' not in manager.BACKBONES.components_dict:

        class PPLCNetBackbone(pplcnet_features_class()):
            """The wrapper, taking the ``in_channels`` that the builder adds (RGB only)."""

            def __init__(self, scale: float, in_channels: int = 3) -> None:
                assert in_channels == 3, in_channels
                super().__init__(scale)

        manager.BACKBONES.add_component(PPLCNetBackbone)
    with open(os.path.join(folder, 'cityscapes.yml'), 'w') as f:
        f.write(CITYSCAPES_YML)
    path = os.path.join(folder, 'deeplabv3p_pplcnet_x1_0.yml')
    with open(path, 'w') as f:
        f.write(DEEPLABV3P_YML)
    return cvlibs.SegBuilder(cvlibs.Config(path))


class _Paddle2Promotion:
    """``paddle`` as PaddleSeg's ``cross_entropy_loss`` module sees it, with ``ones_like`` giving
    float32: its ``mask * paddle.ones_like(label)`` (float32 x int64) relied on paddle 2.x's
    ``Tensor.__mul__``, which cast the right operand to the left's dtype; paddlepaddle 3.3.1
    refuses to promote an integer to a float. The product is the same mask."""

    def __getattr__(self, name: str):
        return getattr(paddle, name)

    @staticmethod
    def ones_like(x, dtype=None, name=None):
        return paddle.ones_like(x, dtype=dtype or 'float32', name=name)


@contextlib.contextmanager
def paddle2_promotion():
    """PaddleSeg's cross-entropy module with :class:`_Paddle2Promotion` while inside."""
    module = importlib.import_module('paddleseg.models.losses.cross_entropy_loss')
    module.paddle = _Paddle2Promotion()
    try:
        yield
    finally:
        module.paddle = paddle


def without_dropout(model) -> None:
    """Dropout probability 0 in every dropout layer (Paddle or torch), layers stay in train
    mode."""
    layers = model.sublayers() if isinstance(model, paddle.nn.Layer) else model.modules()
    dropouts = [m for m in layers if isinstance(m, (paddle.nn.Dropout, torch.nn.Dropout))]
    assert dropouts, 'no dropout layer found'
    for m in dropouts:
        m.p = 0.0


class Sides(NamedTuple):
    ours: Side
    theirs: Side


@pytest.fixture(scope='module')
def sides(tmp_path_factory) -> Sides:
    """PaddleSeg's model (seeded initialisation), optimizer, schedule and loss in training mode,
    and ours from its converted weights with the config's optimizer and schedule, both at
    ``ITERATION``."""
    folder = tmp_path_factory.mktemp('deeplabv3p_train')
    batch = demo_batch()
    assert 0.2 < (batch['label'] == 255).mean() < 0.5  # ignored pixels, and labelled ones
    paddle.seed(0)
    builder = segbuilder(str(folder))
    with contextlib.redirect_stdout(io.StringIO()):
        model = builder.model
    pdparams, converted = str(folder / 'deeplabv3p.pdparams'), str(folder / 'deeplabv3p.pth')
    paddle.save(model.state_dict(), pdparams)
    with contextlib.redirect_stdout(io.StringIO()):
        assert runpy.run_path(CLI)['main']([pdparams, converted, '--config', CONFIG]) == 0
    return Sides(torch_side(converted, batch), paddle_side(builder, model, batch))


def paddle_side(builder, model, batch: Dict[str, np.ndarray]) -> Side:
    """PaddleSeg's training step (core/train.py) with the builder's optimizer and schedule."""
    train = importlib.import_module('paddleseg.core.train')
    model.to(dtype='float64')
    model.train()
    without_dropout(model)
    with contextlib.redirect_stdout(io.StringIO()):
        optimizer, schedule, losses = builder.optimizer, builder.lr_scheduler, builder.loss
    # the recipe as PaddleSeg's builder read it: SGD + momentum -> Momentum, decay_steps = iters,
    # the loss's ignore index from the Cityscapes dataset class
    assert type(optimizer) is paddle.optimizer.Momentum, type(optimizer)
    assert optimizer._momentum == MOMENTUM and schedule.decay_steps == ITERS
    assert losses['types'][0].ignore_index == 255
    schedule.step(ITERATION)
    images, labels = paddle.to_tensor(batch['image']), paddle.to_tensor(batch['label'])

    def loss_fn():
        with paddle2_promotion():
            loss_list = train.loss_computation(model(images), labels, None, losses)
        return sum(loss_list), {'decode.loss_ce': loss_list[0]}

    def step():
        optimizer.step()
        schedule.step()
        model.clear_gradients()

    def hyper_of(p):
        # Momentum fuses L2 into its update: a parameter's own L2Decay (PaddleClas' BN: 0)
        # or else the optimizer's weight_decay
        assert p.regularizer is None or isinstance(p.regularizer, paddle.regularizer.L2Decay)
        assert optimizer._regularization_method == 'l2_decay'
        decay = p.regularizer._coeff if p.regularizer is not None else \
            optimizer._regularization_coeff
        return optimizer.get_lr() * p.optimize_attr['learning_rate'], float(decay)

    def our_name(name: str):
        return paddleseg_backbone_key(name) or paddleseg_head_key(name)

    # the wrapped classifier (last_conv, fc) never runs: its names map to nothing of ours
    trainable = {n: p for n, p in model.named_parameters()
                 if not p.stop_gradient and our_name(n) is not None}
    return Side(loss_fn, trainable, our_name, lambda t: t.numpy(),
                lambda p: None if p.grad is None else p.grad.numpy(), hyper_of, step,
                lambda p, value: p.set_value(value))


def torch_side(converted: str, batch: Dict[str, np.ndarray]) -> Side:
    """Our segmenter (float64, training mode) with the config's optimizer and schedule."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(CONFIG)
    model = build_model_from_config(cfg)
    load_checkpoint(model, converted, map_location='cpu', strict=True)
    model.double().train()
    without_dropout(model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    schedules = build_schedulers(optim, cfg.param_scheduler, epoch_length=1,
                                 max_iters=cfg.train_cfg.max_iters)
    inputs = torch.from_numpy(batch['image'])
    samples = []
    for label in batch['label']:
        sample = SegDataSample(metainfo=dict(img_shape=HW, pad_shape=HW))
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(label)[None])
        samples.append(sample)

    def loss_fn():
        losses = model.loss(inputs, samples)
        terms = {k: v for k, v in losses.items() if 'loss' in k}  # not decode.acc_seg
        return sum(terms.values()), terms

    return mmengine_side(loss_fn, model, optim, schedules, ITERATION)


def test_training_steps_match_paddleseg(sides):
    """Loss (1e-5), gradients (1e-3; exactly-zero ones: see ZERO_BELOW), each parameter's
    learning rate and decay, and the weight change of each of ``STEPS`` optimizer steps (1e-3;
    see STEPS), all in float64."""
    ours, theirs = sides
    their_losses, our_losses = theirs.forward_backward(), ours.forward_backward()
    assert our_losses.keys() == {'decode.loss_ce'}
    assert_losses_match(our_losses, their_losses, 1e-5)
    assert_grads_match(ours, theirs, 1e-3, zero_below=ZERO_BELOW)
    hyper = ours.hyperparameters()
    expected = BASE_LR * (1 - ITERATION / ITERS) ** POWER
    lrs = sorted({lr for lr, _ in hyper.values()})
    assert len(lrs) == 1 and np.isclose(lrs[0], expected, rtol=1e-9), (lrs, expected)
    assert {d for _, d in hyper.values()} == {0.0, WEIGHT_DECAY}
    assert_hyperparameters_match(ours, theirs)
    assert_steps_match(ours, theirs, STEPS, 1e-3, backward_done=True, zero_below=ZERO_BELOW,
                       restart_from_reference=True)
