# PicoDet v2's schedule: PaddleDetection's configs/picodet/_base_/optimizer_300e.yml at 666f597fd0
# (`epoch: 300`, base_lr 0.32, CosineDecay max_epochs 300 + LinearWarmup 300 steps from 0.1,
# Momentum 0.9, L2 4e-5) with the model files' `use_ema: true` (configs/runtime.yml: no
# cycle_epoch, so the average is never reset) and PaddleDetection's trainer (ppdet/engine/
# trainer.py at 666f597fd0: the EMA is updated after every iteration and applied at snapshot
# epochs). The per-model files change base_lr, the train batch and `epoch` (see each config).
max_epochs = 300  # training epochs (upstream `epoch`)
cosine_epochs = 300  # length of the cosine (upstream CosineDecay.max_epochs)
base_lr = 0.32
warmup_iters = 300
weight_decay = 4e-5

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# ppdet's LearningRate([CosineDecay(cosine_epochs), LinearWarmup(300, 0.1)]) of
# ppdet/optimizer/optimizer.py at 666f597fd0 (as from bba88f6791, 2021-11-17): the warm-up owns
# the first 300 iterations, lr = base_lr (0.1 + 0.9 t / 300); the cosine then runs from base_lr
# at iteration 300 to 0 at the last iteration of cosine_epochs, base_lr (1 + cos(pi (t - 300) /
# (T - 300))) / 2 (T: cosine_epochs in iterations), not a product of the two. Closed-form phases
# (pplc_vision/engine/lr_schedulers.py); the warm-up is listed last because the later phase
# sets the value where both run. A config that changes a length rebuilds the list:
#   param_scheduler = [dict(_base_.lr_cosine, T_max=cosine_epochs, end=max_epochs),
#                      _base_.lr_warmup]
lr_cosine = dict(type='CosineDecayLR', eta_min=0.0, warmup_iters=warmup_iters, by_epoch=True,
                 begin=0, convert_to_iter_based=True)
lr_warmup = dict(type='LinearWarmupLR', start_factor=0.1, by_epoch=False, begin=0,
                 end=warmup_iters)
param_scheduler = [dict(lr_cosine, T_max=cosine_epochs, end=max_epochs), lr_warmup]

# Momentum SGD with L2 4e-5 on every parameter except the BNs that PaddleDetection builds with
# their own zero L2 regulariser: PP-LCNet's ConvBNLayer (the backbone and LCPAN's fusion blocks)
# and the head's ConvNormLayer (towers and SE conv). The BNs of csp_pan's ConvBNLayer (LCPAN's
# 1x1 input convs) and of DPModule (LCPAN's stride-2 convs and extra level, the head's alignment
# branch) take the global 4e-5, as do all conv weights and biases.
spared_bn = {
    r'^backbone\..*\.bn\.': dict(decay_mult=0.0),
    r'^neck\.(top_down|bottom_up)_blocks\..*\.bn\.': dict(decay_mult=0.0),
    r'^bbox_head\.(towers|se)\..*\.bn\.': dict(decay_mult=0.0),
}
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=weight_decay),
    constructor='RegexOptimWrapperConstructor',
    paramwise_cfg=dict(regex_keys=spared_bn))

# ppdet's ModelEMA(decay 0.9998, 'threshold'), read through its bias-corrected apply(); BN
# statistics averaged too. Validation and the saved checkpoints use the averaged weights.
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='EMAHook', ema_type='ThresholdEMA', decay=0.9998, update_buffers=True,
         priority=49)
]

# lr is for 4 GPUs x the config's batch; `tools/train.py --auto-scale-lr` rescales it linearly.
auto_scale_lr = dict(enable=False, base_batch_size=4 * 64)
