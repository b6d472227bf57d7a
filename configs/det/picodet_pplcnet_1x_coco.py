# PicoDet 2021.09 with PP-LCNet 1x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# No PaddleDetection config of the Table 4 models was ever published. The recipe is that of
# PaddleDetection's configs/picodet/picodet_m_mbv3_416_coco.yml at commit 35388eb7d4 (2021-08-27),
# the one snapshot whose numbers are all the paper's text (lr 0.3, batch 56 x 4, 280 epochs,
# weight decay 1e-4; _base_/schedules/picodet_280e.py) and whose published PicoDet-M result
# (29.3 mAP) b1186bc822 (2021-09-06) left as it was while it changed the reader and optimizer;
# the detector is that file's with PP-LCNet as the backbone (LCNet itself arrived in b1186bc822).
# Reader of 35388eb7d4 (_base_/picodet_416_reader.yml): one training size, 416x416 (bilinear,
# `interp: 1`), no per-batch random size; evaluation at 416x416, bilinear. Kept from the later
# reader of coco_detection_picodet.py: colour distortion on the 8-bit image before the resize
# (35388eb7d4 applies RandomDistort after NormalizeImage, to the normalised floats).
_base_ = [
    '../_base_/models/picodet_pplcnet.py', '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_280e.py', '../_base_/default_runtime_det.py'
]

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/coco/'  # annotations/instances_{train,val}2017.json, {train,val}2017/*.jpg
classes = None  # None: COCO's 80 classes; another dataset: a tuple of its category names
batch_size = 56  # per GPU; 4 GPUs x 56 = 224 as the paper (see auto_scale_lr)
base_lr = 0.3  # for a total batch of 224; `tools/train.py --auto-scale-lr` rescales it
max_epochs = 280
widen_factor = 1.0  # PP-LCNet width multiplier
input_size = 416  # training and evaluation size (square, not keeping the ratio)
# ImageNet weights for the backbone, as PaddleDetection trains from them (its LCNet configs name
# LCNet_x1_0_pretrained.pdparams): PaddleClas' PPLCNet_x1_0_pretrained.pdparams
# (https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/
# PPLCNet_x1_0_pretrained.pdparams) converted by `pretrained_command`, which tools/train.py prints
# when the file is missing. From scratch instead: --cfg-options model.backbone.init_cfg=None
# (or pretrained = None here).
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
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='MinIoURandomCrop', min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), min_crop_size=0.3),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
         interpolation='bilinear'),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
         interpolation='bilinear'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=batch_size,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo,
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
