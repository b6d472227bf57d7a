# Paper section 4.4: SGD lr 0.01, momentum 0.9, weight decay 4e-5, poly decay (power 0.9) to 0
# over 80k iterations, for a total batch of 32 (4 GPUs x 8 images).
max_iters = 80000
val_interval = 8000
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=4e-5)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
# The poly decay, defined once; it ends at max_iters. mmengine evaluates each config file on its
# own, so a config that changes max_iters rebuilds the list:
#   param_scheduler = [dict(_base_.lr_poly, end=max_iters)]
lr_poly = dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)
param_scheduler = [dict(lr_poly, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# tools/train.py --auto-scale-lr scales lr by (GPUs x batch per GPU) / 32
auto_scale_lr = dict(enable=False, base_batch_size=32)
