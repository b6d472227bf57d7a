# The later PicoDet (CSP-PAN, SimOTA, VFL; arXiv 2111.00902) with PP-LCNet 1x at 416
# on COCO-2017: PaddleDetection's configs/picodet/legacy_model/more_config/
# picodet_lcnet_1_0x_416_coco.yml (added in 2fedefa3f2, 2023-05-15, for its TIPC tests;
# unchanged at HEAD 666f597fd0; no published weights): the 1.5x-416 recipe of
# picodet_lcnet_1_5x_416_coco.yml (1fa998be68, 2021-10-25) at width 1.0 with 90 images per GPU
# instead of 80 (x 4 GPUs = 360 an iteration) at the same lr 0.4; 300 epochs of cosine, warm-up
# 300 iterations from 0.1, weight decay 4e-5 (_base_/schedules/picodet_300e.py), EMA with
# cycle_epoch 40, its 416 reader (_base_/datasets/coco_detection_picodet.py: one random size in
# 352-480 per batch, bicubic evaluation at 416).
_base_ = [
    '../_base_/models/picodet_csppan_pplcnet.py', '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_300e.py', '../_base_/default_runtime_det.py'
]

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/coco/'  # annotations/instances_{train,val}2017.json, {train,val}2017/*.jpg
classes = None  # None: COCO's 80 classes; another dataset: a tuple of its category names
batch_size = 90  # per GPU (picodet_lcnet_1_0x_416_coco.yml); x 4 GPUs = 360 (auto_scale_lr)
base_lr = 0.4  # for a total batch of 360; `tools/train.py --auto-scale-lr` rescales it
max_epochs = 300
widen_factor = 1.0  # PP-LCNet width multiplier
# ImageNet weights for the backbone, as PaddleDetection trains from them (LCNet_x1_0_pretrained
# .pdparams): PaddleClas' PPLCNet_x1_0_pretrained.pdparams (https://paddle-imagenet-models-name.
# bj.bcebos.com/dygraph/legendary_models/PPLCNet_x1_0_pretrained.pdparams) converted by
# `pretrained_command`, which tools/train.py prints when the file is missing. From scratch
# instead: --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/pplcnet_1x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x1_0_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

# Derived from the parameters above (a config inheriting this one that changes a parameter
# recomputes what depends on it: mmengine evaluates each config file on its own).
num_classes = len(classes) if classes else 80
metainfo = dict(classes=classes) if classes else None

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        # None: the layers' own initialisation (Kaiming-normal convs, unit BN), from scratch
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor),  # the backbone's: its out_channels scale with it
    bbox_head=dict(num_classes=num_classes))
# one random square size (352..480) and interpolation per batch: PaddleDetection's
# BatchRandomResize as the base reader's `batch_random_resize`
train_dataloader = dict(
    batch_size=batch_size, collate_fn=_base_.batch_random_resize,
    dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)  # PaddleDetection's 4 GPUs
