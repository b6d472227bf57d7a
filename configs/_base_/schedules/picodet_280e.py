# PicoDet 2021.09 schedule (PP-LCNet paper, Table 4), as PaddleDetection's
# configs/picodet/picodet_m_mbv3_416_coco.yml at commit 35388eb7d4 (2021-08-27), with
# _base_/optimizer_280e.yml: `epoch: 280`, base_lr 0.3 (the file's override of the base's 0.4),
# CosineDecay max_epochs 280, LinearWarmup 300 steps from 0.1, Momentum 0.9, L2 1e-4, TrainReader
# batch_size 56 (the README: 4 GPUs), use_ema with cycle_epoch 40. Every number the paper's text
# gives (SGD 0.9, weight decay 1e-4, batch 224 on 4 GPUs, cosine from 0.3, 146k iterations =
# 280 epochs of the 117k COCO train2017 images with boxes at 224 a batch) is that file's.
# At b1186bc822 (2021-09-06, the commit that added LCNet) the same file inherits
# _base_/optimizer_300e.yml instead: `epoch: 300` while its cosine still ends at 280 (20 epochs
# at lr ~0), and L2 4e-5. No config of the Table 4 models themselves was ever published.
max_epochs = 280
base_lr = 0.3
warmup_iters = 300

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# PaddleDetection's LearningRate of ppdet/optimizer.py (the same at 35388eb7d4 and 1fa998be68):
# [CosineDecay(max_epochs), LinearWarmup(300 steps, start_factor 0.1)]. The cosine counts from
# iteration 0 over the whole run (max_epochs x iterations per epoch, T) and the warm-up replaces
# its first 300 values: lr(t) = base_lr (0.1 + 0.9 t / 300) for t < 300, then
# base_lr (1 + cos(pi t / T)) / 2. Both phases are closed-form (pplc_vision/engine/
# lr_schedulers.py); the warm-up is listed after the cosine because the later phase sets the
# value where both run. Defined once, their lengths come from max_epochs and warmup_iters;
# mmengine evaluates each config file on its own, so a config that changes either rebuilds the
# list from the phases:
#   param_scheduler = [dict(_base_.lr_cosine, end=max_epochs),
#                      dict(_base_.lr_warmup, end=warmup_iters)]
lr_cosine = dict(type='CosineDecayLR', eta_min=0.0, by_epoch=True, begin=0,
                 convert_to_iter_based=True)
lr_warmup = dict(type='LinearWarmupLR', start_factor=0.1, by_epoch=False, begin=0)
param_scheduler = [dict(lr_cosine, end=max_epochs), dict(lr_warmup, end=warmup_iters)]

# L2 1e-4 on every parameter but BN's (PaddleDetection's ConvNormLayer/PicoFeat BN and LCNet's BN
# carry L2Decay(0.0); convs and biases take the global L2).
weight_decay = 1e-4
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=weight_decay),
    paramwise_cfg=dict(norm_decay_mult=0.0))

# PaddleDetection's ModelEMA (use_thres_step): decay min(0.9998, (1 + n) / (10 + n)) over all
# weights and BN buffers, reset every cycle_epoch = 40 epochs.
custom_hooks = [
    dict(type='NumClassCheckHook'),
    dict(type='PeriodicResetEMAHook', ema_type='ThresholdEMA', decay=0.9998,
         update_buffers=True, reset_interval=40, priority=49)
]

# lr is for 224 images per iteration; `tools/train.py --auto-scale-lr` rescales it linearly.
auto_scale_lr = dict(enable=False, base_batch_size=224)
