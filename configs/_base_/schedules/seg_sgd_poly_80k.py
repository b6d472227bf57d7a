# Paper section 4.4: SGD lr 0.01, momentum 0.9, weight decay 4e-5, poly decay (power 0.9) to 0
# over 80k iterations, for a total batch of 32 (4 GPUs x 8 images). PaddleSeg's Cityscapes recipe
# (configs/_base_/cityscapes.yml at v2.8.0, 2e51641a9a, which
# configs/deeplabv3p/deeplabv3p_resnet50_os8_cityscapes_1024x512_80k.yml composes): `SGD` with
# momentum 0.9 (paddleseg builds Paddle's Momentum), weight_decay 4.0e-5, PolynomialDecay from
# 0.01 to end_lr 0, power 0.9, decay_steps = iters = 80000.
max_iters = 80000
val_interval = 8000
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=4e-5)
# Which parameters decay: PaddleSeg passes weight_decay to Paddle's optimizer as the L2 of every
# parameter without its own regularizer. The backbones' BN carry L2Decay(0.0) (PaddleClas'
# PPLCNet, PaddleSeg's MobileNetV3: `ParamAttr(regularizer=L2Decay(0.0))`), the head's BN
# (PaddleSeg's ConvBNReLU) carries none: backbone norms are spared, every head parameter decays.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=optimizer, clip_grad=None,
    paramwise_cfg=dict(norm_decay_mult=0.0, custom_keys={'decode_head': dict(decay_mult=1.0)}))
# Paddle's PolynomialDecay (closed form, pplc_vision/engine/lr_schedulers.py): lr(t) =
# 0.01 (1 - t / 80000) ** 0.9 at iteration t; mmengine's PolyLR would reach 0 one iteration
# early. Defined once, it ends at max_iters; mmengine evaluates each config file on its own, so
# a config that changes max_iters rebuilds the list:
#   param_scheduler = [dict(_base_.lr_poly, end=max_iters)]
lr_poly = dict(type='PolynomialDecayLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)
param_scheduler = [dict(lr_poly, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# tools/train.py --auto-scale-lr scales lr by (GPUs x batch per GPU) / 32
auto_scale_lr = dict(enable=False, base_batch_size=32)
