# PaddleClas PPLCNet recipe (paper section 4.2): SGD momentum 0.9, lr 0.8 for a total batch of
# 2048, 5 linear warm-up epochs then cosine to 0, 360 epochs. L2 weight decay 3e-5 for
# 0.25x..1x; the 1.5x, 2x and 2.5x configs set 4e-5 (PaddleClas PPLCNet_x*.yaml, "coeff").
# PaddleClas exempts BN scale/shift from weight decay (L2Decay(0.0) in pp_lcnet.py) but not the
# conv/FC biases: norm_decay_mult=0 below.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=3e-5),
    paramwise_cfg=dict(norm_decay_mult=0.0),
)

max_epochs = 360
warmup_epochs = 5
# PaddleClas' `Cosine` learning rate (ppcls/optimizer/learning_rate.py at 71abe2e9b, the commit of
# PPLCNet_x1_0.yaml): Paddle's LinearWarmup from 0 (warmup_start_lr 0.0) over round(5 x
# iterations per epoch) steps, then CosineAnnealingDecay to 0 over the remaining (360 - 5) x
# iterations per epoch, both counted in iterations. Closed-form phases
# (pplc_vision/engine/lr_schedulers.py): mmengine's LinearLR cannot start at 0 and its chained
# cosine would start from the warm-up's last value. The cosine phase has no `end`: the Runner
# ends it at train_cfg.max_epochs, so a config that changes max_epochs needs no new scheduler.
# mmengine evaluates each config file on its own, so a config that changes warmup_epochs (or the
# warm-up's start_factor) rebuilds the list from the phases:
#   param_scheduler = [dict(_base_.lr_warmup, end=warmup_epochs),
#                      dict(_base_.lr_cosine, begin=warmup_epochs)]
lr_warmup = dict(type='LinearWarmupLR', start_factor=0.0, by_epoch=True, begin=0,
                 convert_to_iter_based=True)
lr_cosine = dict(type='CosineDecayLR', eta_min=0.0, by_epoch=True, convert_to_iter_based=True)
param_scheduler = [dict(lr_warmup, end=warmup_epochs), dict(lr_cosine, begin=warmup_epochs)]

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# With `tools/train.py --auto-scale-lr`, lr is scaled by (GPUs x batch per GPU) / 2048.
auto_scale_lr = dict(base_batch_size=2048)
