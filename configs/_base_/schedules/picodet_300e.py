# The later PicoDet's schedule (arXiv 2111.00902; PaddleDetection legacy picodet configs): the
# PicoDet 2021.09 recipe with base lr 0.4 and 300 epochs.
_base_ = './picodet_280e.py'
max_epochs = 300
base_lr = 0.4
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=300),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0, T_max=max_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
