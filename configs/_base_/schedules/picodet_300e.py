# The later PicoDet's schedule (arXiv 2111.00902; PaddleDetection legacy picodet configs): the
# PicoDet 2021.09 recipe with base lr 0.4 and 300 epochs.
_base_ = './picodet_280e.py'
max_epochs = 300
base_lr = 0.4
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_warmup, end=_base_.warmup_iters),
                   dict(_base_.lr_cosine, T_max=max_epochs, end=max_epochs)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
