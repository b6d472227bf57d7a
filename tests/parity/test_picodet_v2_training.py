"""Training-step parity of PicoDet v2 S (configs/det/picodet-v2_s_320_coco.py) with
PaddleDetection's own model and trainer pieces (paddledet 2.6.0 wheel: ``LCNet`` + ``LCPAN`` + ``PicoHeadV2`` with
its ``ATSSAssigner``/``TaskAlignedAssigner``, ``VarifocalLoss``, ``DistributionFocalLoss``,
``GIoULoss``; ``ppdet.optimizer``'s ``LearningRate`` and ``OptimizerBuilder``), built as
configs/picodet/picodet_s_320_coco_lcnet.yml at PaddleDetection 666f597fd0 sets them: base_lr
0.32, CosineDecay(max_epochs 300) + LinearWarmup(300 steps, 0.1), Momentum 0.9, L2 4e-5,
static_assigner_epoch 100.

The same weights (PaddleDetection's initialisation, BN statistics of the photos, saved with
``paddle.save`` and converted by tools/model_converters/paddledet2mmdet.py), the same batch (2
real photos with their boxes through ppdet's own Resize 320 / NormalizeImage / Permute / PadGT)
and each side's own optimizer and schedule, in both assignment phases: epoch 80 (ATSS with
IoU-weighted scores) and epoch 100 (task-aligned). A synthetic epoch of 4 iterations puts both
after the 300 warm-up iterations (iterations 320 and 400 of a 1200-iteration cosine), where the
learning rate is large and weight decay visible. Nothing in these models uses dropout.
"""
import paddle  # first: Paddle runs much slower when torch was imported before it

import contextlib
import importlib
import io
import os
import runpy
from typing import Dict, NamedTuple

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS, init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.structures import InstanceData

from mmdet.structures import DetDataSample
from pplc_vision.apis import build_model_from_config
from pplc_vision.converters.paddledet import picodet_key
from pplc_vision.references import paddledet as ref

from ppdet_demo import demo_samples
from training_parity import (Side, assert_all_close, assert_grads_match,
                             assert_hyperparameters_match, assert_losses_match,
                             assert_steps_match, paddle_momentum_side)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, 'configs', 'det', 'picodet-v2_s_320_coco.py')
CLI = os.path.join(ROOT, 'tools', 'model_converters', 'paddledet2mmdet.py')
SIZE = 320
# picodet_s_320_coco_lcnet.yml + optimizer_300e.yml at 666f597fd0
BASE_LR, COSINE_EPOCHS, WARMUP_STEPS, WARMUP_FACTOR = 0.32, 300, 300, 0.1
MOMENTUM, L2 = 0.9, 4e-5
STEPS_PER_EPOCH = 4
PHASES = {'atss': 80, 'task_aligned': 100}  # epoch; static_assigner_epoch is 100
# Issue #30: 3 optimizer steps. Each step after the first starts our model from ppdet's weights
# (both optimizers keep their own momentum and schedule; restart_from_reference), because the
# trajectories themselves cannot agree at this learning rate (~0.32), whatever the code: measured
# in float64 (epoch 80), the first step's changes agree within 1.2e-6, the second forward pass's
# losses within 4e-7, yet its gradients differ by up to 6% and the third's by 140%. From the same
# weights (ppdet's after one step, converted by the CLI into our model) the two sides' second-step
# gradients agree within 1.7e-6, and our own gradient moves by 7.7e-4 when our weights move by
# 1e-7 (relative, random) and by 1.3e-3 when they are rounded to float32: at this rate, on this
# random-weight model and 2-photo batch, any difference grows ~1e3-fold per step, so the 1e-6
# that the two frameworks' float64 arithmetic leaves after one step becomes percent after two.
STEPS = 3


def demo_batch() -> Dict[str, np.ndarray]:
    """The two demo photos with their boxes through ppdet's operators, padded by ``PadGT``."""
    batch_ops = importlib.import_module('ppdet.data.transform.batch_operators')
    samples = demo_samples(SIZE)
    samples = batch_ops.PadGT()(samples)
    batch = {k: np.stack([s[k] for s in samples]) for k in
             ('image', 'im_id', 'gt_bbox', 'gt_class', 'pad_gt_mask')}
    # int64 labels: ppdet's ATSSAssigner adds them to an int64 index, which paddle 2.x promoted
    # and paddlepaddle 3.3.1 refuses for the reader's int32
    batch['gt_class'] = batch['gt_class'].astype(np.int64)
    return batch


class Reference(NamedTuple):
    pdparams: str
    converted: str
    batch: Dict[str, np.ndarray]


@pytest.fixture(scope='module')
def reference(tmp_path_factory) -> Reference:
    """PaddleDetection's PicoDet-S (initialisation seeded, BN statistics of the photos), saved
    and converted by the CLI."""
    batch = demo_batch()
    paddle.seed(0)
    model = ref.build_paddledet_picodet_v2('S', calibration=batch['image'])
    folder = tmp_path_factory.mktemp('picodet_v2_train')
    pdparams, converted = str(folder / 'picodet_s.pdparams'), str(folder / 'picodet_s.pth')
    paddle.save(model.state_dict(), pdparams)
    with contextlib.redirect_stdout(io.StringIO()):
        assert runpy.run_path(CLI)['main']([pdparams, converted, '--config', CONFIG]) == 0
    return Reference(pdparams, converted, batch)


def paddle_side(reference: Reference, epoch: int, records: list) -> Side:
    """ppdet's model in training mode (float64) with its optimizer and schedule at ``epoch``."""
    optimizer_module = importlib.import_module('ppdet.optimizer.optimizer')
    model = ref.build_paddledet_picodet_v2('S')
    model.set_state_dict(paddle.load(reference.pdparams))
    model.to(dtype='float64')
    model.train()
    head = model.head
    for assigner in (head.static_assigner, head.assigner):
        assigner.register_forward_post_hook(
            lambda layer, inputs, outputs: records.append([o.numpy() for o in outputs[:3]]))
    schedule = optimizer_module.LearningRate(
        base_lr=BASE_LR, schedulers=[
            optimizer_module.CosineDecay(max_epochs=COSINE_EPOCHS),
            optimizer_module.LinearWarmup(start_factor=WARMUP_FACTOR, steps=WARMUP_STEPS)
        ])(STEPS_PER_EPOCH)
    schedule.step(epoch * STEPS_PER_EPOCH)  # the iteration the steps start at
    optimizer = optimizer_module.OptimizerBuilder(
        regularizer={'type': 'L2', 'factor': L2},
        optimizer={'type': 'Momentum', 'momentum': MOMENTUM})(schedule, model)
    inputs = {k: paddle.to_tensor(v.astype(np.float64) if v.dtype == np.float32 else v)
              for k, v in reference.batch.items()}

    def loss_fn():
        out = model(dict(inputs, epoch_id=epoch))
        return out['loss'], dict(loss_cls=out['loss_vfl'], loss_bbox=out['loss_bbox'],
                                 loss_dfl=out['loss_dfl'])

    return paddle_momentum_side(loss_fn, model, optimizer, schedule,
                                lambda n: picodet_key(n, 'v2'))


def torch_side(reference: Reference, epoch: int, records: list) -> Side:
    """Our model in training mode (float64) with the config's optimizer and schedule at
    ``epoch``."""
    init_default_scope('mmdet')
    cfg = Config.fromfile(CONFIG)
    model = build_model_from_config(cfg)
    load_checkpoint(model, reference.converted, map_location='cpu', strict=True)
    model.double().train()
    head = model.bbox_head
    original = head._get_targets_single

    def recorded(*args, **kwargs):
        out = original(*args, **kwargs)
        records.append([t.numpy().copy() for t in out])
        return out

    head._get_targets_single = recorded
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    schedules = [PARAM_SCHEDULERS.build(phase, default_args=dict(
        optimizer=optim, epoch_length=STEPS_PER_EPOCH)) for phase in cfg.param_scheduler]
    for _ in range(epoch * STEPS_PER_EPOCH):
        for schedule in schedules:
            schedule.step()
    MessageHub.get_current_instance().update_info('epoch', epoch)
    batch = reference.batch
    inputs = torch.from_numpy(batch['image']).double()
    samples = []
    for boxes, labels, mask in zip(batch['gt_bbox'], batch['gt_class'], batch['pad_gt_mask']):
        real = mask[:, 0] > 0
        sample = DetDataSample(metainfo=dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE),
                                             batch_input_shape=(SIZE, SIZE)))
        sample.gt_instances = InstanceData(bboxes=torch.from_numpy(boxes[real]).double(),
                                           labels=torch.from_numpy(labels[real, 0]).long())
        samples.append(sample)
    group_of = {id(p): g for g in optim.optimizer.param_groups for p in g['params']}

    def loss_fn():
        losses = model.loss(inputs, samples)
        return sum(losses.values()), losses

    def step():
        optim.step()
        for schedule in schedules:
            schedule.step()
        optim.zero_grad()

    return Side(loss_fn, dict(model.named_parameters()), lambda n: n,
                lambda t: t.detach().numpy(),
                lambda p: None if p.grad is None else p.grad.numpy().copy(),
                lambda p: (group_of[id(p)]['lr'], group_of[id(p)]['weight_decay']), step,
                lambda p, value: p.data.copy_(torch.from_numpy(value)))


def compare_targets(ours: list, theirs: list) -> int:
    """Assigned labels equal prior by prior; boxes of the positives and soft scores within
    1e-4. Returns the number of positives."""
    labels = np.concatenate([r[0] for r in ours])
    boxes = np.concatenate([r[1] for r in ours])
    scores = np.concatenate([r[2] for r in ours])
    their_labels, their_boxes, their_scores = (x.reshape(-1, *x.shape[2:]) for x in theirs)
    np.testing.assert_array_equal(labels, their_labels)
    positive = labels < their_scores.shape[-1]
    assert_all_close(dict(boxes=boxes[positive], scores=scores),
                     dict(boxes=their_boxes[positive], scores=their_scores.max(-1)), 1e-4,
                     'assigned targets')
    return int(positive.sum())


@pytest.mark.parametrize('phase', PHASES)
def test_training_steps_match_paddledetection(reference, fast_depthwise, phase):
    """Assigned targets, loss terms (1e-4), gradients (1e-3), each parameter's learning rate
    and decay, and the weight change of each of ``STEPS`` optimizer steps (1e-3; see STEPS),
    all in float64: in float32 the rounding alone moves our gradients up to 3% from our float64
    ones on this batch."""
    epoch = PHASES[phase]
    their_records, our_records = [], []
    theirs = paddle_side(reference, epoch, their_records)
    ours = torch_side(reference, epoch, our_records)
    their_losses, our_losses = theirs.forward_backward(), ours.forward_backward()
    assert len(their_records) == 1 and len(our_records) == 2  # one batch; one call per image
    positives = compare_targets(our_records, their_records[0])
    assert positives >= 20, positives
    assert_losses_match(our_losses, their_losses, 1e-4)
    assert_grads_match(ours, theirs, 1e-3)
    hyper = ours.hyperparameters()
    lrs = {lr for lr, _ in hyper.values()}
    expected = BASE_LR * 0.5 * (1 + np.cos(np.pi * (epoch * STEPS_PER_EPOCH - WARMUP_STEPS) /
                                           (COSINE_EPOCHS * STEPS_PER_EPOCH - WARMUP_STEPS)))
    assert len(lrs) == 1 and np.isclose(lrs.pop(), expected, rtol=1e-9), (lrs, expected)
    assert {d for _, d in hyper.values()} == {0.0, L2}
    assert_hyperparameters_match(ours, theirs)
    assert_steps_match(ours, theirs, STEPS, 1e-3, backward_done=True,
                       restart_from_reference=True)
