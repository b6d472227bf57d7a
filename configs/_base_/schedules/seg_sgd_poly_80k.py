# Paper section 4.4: SGD lr 0.01, momentum 0.9, weight decay 4e-5, poly decay (power 0.9) to 0
# over 80k iterations, for a total batch of 32 (4 GPUs x 8 images).
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=4e-5)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=80000, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# tools/train.py --auto-scale-lr scales lr by (GPUs x batch per GPU) / 32
auto_scale_lr = dict(enable=False, base_batch_size=32)
