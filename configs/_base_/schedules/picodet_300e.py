# The later PicoDet's schedule (arXiv 2111.00902), as PaddleDetection's
# configs/picodet/legacy_model/_base_/optimizer_300e.yml with picodet_416_reader.yml (at HEAD
# 666f597fd0; unchanged in value since configs/picodet/_base_/ of 1fa998be68, 2021-10-25, the
# commit that published picodet_lcnet_1_5x_416_coco): `epoch: 300`, base_lr 0.4, CosineDecay
# max_epochs 300, LinearWarmup 300 steps from 0.1, Momentum 0.9, L2 4e-5, TrainReader batch_size
# 80 (per GPU; the model zoo trains on 4 GPUs: 320 images an iteration), use_ema with
# cycle_epoch 40 (the PicoDet 2021.09 EMA of picodet_280e.py).
_base_ = './picodet_280e.py'
max_epochs = 300
base_lr = 0.4
weight_decay = 4e-5
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
# Which parameters decay: Paddle's optimizer applies the global L2 to every parameter without its
# own regularizer. LCNet's BN and PicoFeat's ConvNormLayer BN carry L2Decay(0.0); CSPPAN's BN
# (ppdet/modeling/necks/csp_pan.py, plain nn.BatchNorm2D, 1fa998be68 and the 2.6.0 wheel) carries
# none, so the neck's BN decays like its convs.
optim_wrapper = dict(
    optimizer=dict(lr=base_lr, weight_decay=weight_decay),
    paramwise_cfg=dict(norm_decay_mult=0.0, custom_keys={'neck': dict(decay_mult=1.0)}))
# lr is for 320 images per iteration; `tools/train.py --auto-scale-lr` rescales it linearly.
auto_scale_lr = dict(base_batch_size=320)
