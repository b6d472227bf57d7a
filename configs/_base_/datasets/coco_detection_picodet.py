# COCO-2017 detection with PicoDet's 416 reader as PaddleDetection's
# configs/picodet/_base_/picodet_416_reader.yml has it from b1186bc822 (2021-09-06) on (the same
# in configs/picodet/legacy_model/_base_/ at HEAD 666f597fd0): RandomCrop, RandomFlip,
# RandomDistort, then one random size and interpolation per batch (352-480, not keeping the
# ratio; `batch_random_resize`, which the configs set as the train loader's collate_fn);
# evaluation at 416x416 with bicubic interpolation (`interp: 2`). The CSP-PAN and PicoDet v2
# configs use it; the Table 4 configs change it to the reader of 35388eb7d4 (see
# picodet_pplcnet_1x_coco.py).
# Layout: data/coco/{train2017,val2017}/*.jpg, data/coco/annotations/instances_{train,val}2017.json
dataset_type = 'CocoFileDataset'  # CocoDataset + classes read from and checked against the file
data_root = 'data/coco/'
backend_args = None
input_size = 416

# Training sizes: one per batch (BatchRandomResize's target_size), multiples of 32 around 416
train_sizes = [352, 384, 416, 448, 480]
# PaddleDetection's operators with its draws (pplc_vision/datasets/det_transforms.py; pixel
# parity: tests/parity/test_reader_operators.py); mmcv's RandomFlip flips as its RandomFlip
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PaddleDetRandomCrop'),  # RandomCrop: {} (the SSD crop)
    dict(type='RandomFlip', prob=0.5),
    dict(type='PaddleDetRandomDistort'),  # RandomDistort: {}
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(type='PackDetInputs')
]
# BatchRandomResize (random_size, random_interp, keep_ratio False): one of `train_sizes` and
# one of five OpenCV interpolations per batch, each image resized from its own size, in the
# loader's workers before the data preprocessor normalises. The configs set it as
# train_dataloader's collate_fn (with their own `sizes`); the pipeline above has no resize.
batch_random_resize = dict(type='batch_random_resize_collate', sizes=train_sizes,
                           random_interp=True)
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
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
