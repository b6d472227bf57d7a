# COCO-2017 detection with PicoDet's 416 reader as PaddleDetection's
# configs/picodet/_base_/picodet_416_reader.yml has it from b1186bc822 (2021-09-06) on (the same
# in configs/picodet/legacy_model/_base_/ at HEAD 666f597fd0): RandomCrop, RandomFlip,
# RandomDistort, then one random size per batch (352-480, not keeping the ratio); evaluation at
# 416x416 with bicubic interpolation (`interp: 2`). The CSP-PAN configs use it as it is; the
# Table 4 configs change it to the reader of 35388eb7d4 (see picodet_pplcnet_1x_coco.py).
# Layout: data/coco/{train2017,val2017}/*.jpg, data/coco/annotations/instances_{train,val}2017.json
dataset_type = 'CocoFileDataset'  # CocoDataset + classes read from and checked against the file
data_root = 'data/coco/'
backend_args = None
input_size = 416

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    # SSD-style crop (Paddle RandomCrop), flip, colour distortion (Paddle RandomDistort)
    dict(type='MinIoURandomCrop', min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), min_crop_size=0.3),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    # a fixed square size here; with `multiscale_batch_augments` as the data preprocessor's
    # batch_augments, one of 352, 384, ..., 480 per batch follows
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]

# Paddle's BatchRandomResize (random_size, keep_ratio False) in mmdet terms: one random square
# size per batch, a multiple of 32 in 352..480. Paddle resizes each decoded image with one of 5
# OpenCV interpolations drawn per batch (random_interp); mmdet's BatchSyncRandomResize resizes
# the padded batch tensor bilinearly. A config that wants it sets
# model.data_preprocessor.batch_augments to this.
multiscale_batch_augments = [
    dict(type='BatchSyncRandomResize', random_size_range=(352, 480), size_divisor=32,
         interval=1)
]

train_dataloader = dict(
    batch_size=56,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=0),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoFileMetric',  # CocoMetric that also takes annotation ids from 0
    ann_file=data_root + 'annotations/instances_val2017.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
