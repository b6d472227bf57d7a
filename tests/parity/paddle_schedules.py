"""The authors' learning-rate schedules as Paddle ``LRScheduler`` objects, built as their trainers
built them at the commits our configs follow (from the wheels where their code is the same,
from paddle primitives where the wheels' code changed later or is missing), with the
steps-per-epoch of the runs they describe."""
import math

import paddle

#: COCO train2017 images with boxes (ppdet's COCODataSet and mmdet's filter_empty_gt keep 117266)
COCO_TRAIN_IMAGES = 117266
#: ImageNet-1k training images
IMAGENET_TRAIN_IMAGES = 1281167


def steps_per_epoch(images: int, batch_per_gpu: int, gpus: int, drop_last: bool) -> int:
    """Iterations per epoch of a distributed sampler: each of ``gpus`` ranks takes
    ``ceil(images / gpus)`` samples in batches of ``batch_per_gpu``."""
    per_rank = -(-images // gpus)
    return per_rank // batch_per_gpu if drop_last else -(-per_rank // batch_per_gpu)


def paddledet_picodet(base_lr: float, max_epochs: int, epoch_length: int,
                      warmup_steps: int = 300, start_factor: float = 0.1
                      ) -> paddle.optimizer.lr.LRScheduler:
    """PaddleDetection's ``LearningRate(base_lr, [CosineDecay(max_epochs), LinearWarmup(
    warmup_steps, start_factor)])(epoch_length)`` of ``ppdet/optimizer.py`` at 1fa998be68 (the
    CSP-PAN configs; the same at 35388eb7d4, the Table 4 recipe).

    The warm-up's boundaries and values come from the wheel's ``ppdet.optimizer.LinearWarmup``
    (unchanged since). Its ``CosineDecay`` then appended, for every iteration ``i`` from the
    warm-up's last boundary to ``max_epochs * epoch_length``, the boundary ``i`` and the value
    ``base_lr * (cos(i * pi / max_iters) + 1) / 2``: a cosine counted from iteration 0, into a
    ``PiecewiseDecay``. From bba88f6791 (2021-11-17, "fix warmup+decay LR") on, the cosine
    starts at the warm-up's end instead, as the 2.6.0 wheel's does; the configs were published
    before it.
    """
    from ppdet.optimizer.optimizer import LinearWarmup
    boundary, value = LinearWarmup(steps=warmup_steps, start_factor=start_factor)(
        base_lr, epoch_length)
    max_iters = max_epochs * epoch_length
    for i in range(int(boundary[-1]), max_iters):
        boundary.append(i)
        value.append(base_lr * 0.5 * (math.cos(i * math.pi / max_iters) + 1))
    return paddle.optimizer.lr.PiecewiseDecay(boundary, value)


def paddledet_picodet_v2(base_lr: float, max_epochs: int, epoch_length: int,
                         warmup_steps: int = 300, start_factor: float = 0.1
                         ) -> paddle.optimizer.lr.LRScheduler:
    """PaddleDetection's ``LearningRate(base_lr, [CosineDecay(max_epochs), LinearWarmup(
    warmup_steps, start_factor)])(epoch_length)`` as the paddledet 2.6.0 wheel builds it (the
    same from bba88f6791, 2021-11-17, to HEAD 666f597fd0): the cosine starts at ``base_lr``
    when the warm-up ends and spans the rest of ``max_epochs``. The configs published from then
    on (PicoDet v2, the 1.5x-640 CSP-PAN model, the application detectors) ran it."""
    from ppdet.optimizer.optimizer import CosineDecay, LearningRate, LinearWarmup
    return LearningRate(base_lr=base_lr, schedulers=[
        CosineDecay(max_epochs=max_epochs),
        LinearWarmup(steps=warmup_steps, start_factor=start_factor)])(epoch_length)


def paddleclas_cosine(learning_rate: float, epochs: int, step_each_epoch: int,
                      warmup_epoch: int, warmup_start_lr: float = 0.0, eta_min: float = 0.0
                      ) -> paddle.optimizer.lr.LRScheduler:
    """PaddleClas' ``Cosine`` of ``ppcls/optimizer/learning_rate.py`` at 71abe2e9b (the commit
    of ``PPLCNet_x1_0.yaml``; the wheel has no ``ppcls/optimizer``): ``CosineAnnealingDecay(
    learning_rate, T_max=(epochs - warmup_epoch) * step_each_epoch, eta_min)`` inside
    ``LinearWarmup(warmup_steps=round(warmup_epoch * step_each_epoch), start_lr=
    warmup_start_lr, end_lr=learning_rate)``, stepped every iteration."""
    cosine = paddle.optimizer.lr.CosineAnnealingDecay(
        learning_rate, T_max=(epochs - warmup_epoch) * step_each_epoch, eta_min=eta_min)
    return paddle.optimizer.lr.LinearWarmup(cosine, round(warmup_epoch * step_each_epoch),
                                            warmup_start_lr, learning_rate)


def paddleseg_poly(learning_rate: float, iters: int, power: float = 0.9, end_lr: float = 0.0
                   ) -> paddle.optimizer.lr.LRScheduler:
    """PaddleSeg's ``lr_scheduler: PolynomialDecay`` of ``configs/_base_/cityscapes.yml`` at
    v2.8.0 (2e51641a9a): ``paddleseg/cvlibs/builder.py`` sets ``decay_steps`` to the run's
    ``iters`` (no warm-up)."""
    return paddle.optimizer.lr.PolynomialDecay(learning_rate, decay_steps=iters, end_lr=end_lr,
                                               power=power)


def lr_at(scheduler: paddle.optimizer.lr.LRScheduler, iteration: int) -> float:
    """The scheduler's learning rate at ``iteration`` (Paddle's ``step(epoch)`` jumps there)."""
    scheduler.step(iteration)
    return float(scheduler())
