# Cityscapes (fine annotations), paper section 4.4: random scale from {0.5, 0.75, ..., 2.0},
# random crop 1024x512, random horizontal flip; validation on the full 2048x1024 images. Training
# also distorts colours as PaddleSeg's Cityscapes base config (configs/_base_/cityscapes.yml)
# does, which the paper's recipe does not list but its code ran.
# Layout (see data/cityscapes.md): data/cityscapes/leftImg8bit/{train,val}/<city>/*_leftImg8bit.png
# and gtFine/{train,val}/<city>/*_gtFine_labelTrainIds.png (tools/dataset_converters/cityscapes.py).
dataset_type = 'CityscapesLayoutDataset'  # mmseg's CityscapesDataset + clear layout/label errors
data_root = 'data/cityscapes/'
crop_size = (512, 1024)  # (h, w)
img_scale = (2048, 1024)  # (w, h) of the Cityscapes images
# The paper's discrete scale set, as PaddleSeg's ResizeStepScaling(0.5, 2.0, 0.25) draws it:
# mmseg's RandomChoiceResize over the scaled image sizes (keep_ratio: the factor itself on
# 2048x1024 images), rather than RandomResize's continuous ratio range.
scale_ratios = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomChoiceResize',
         scales=[(int(img_scale[0] * r), int(img_scale[1] * r)) for r in scale_ratios],
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),  # smaller images are padded by the preprocessor
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    # PaddleSeg's RandomDistort (brightness, contrast, saturation factors in 0.6..1.4 and a hue
    # shift, each with probability 0.5, in random order); not mmseg's PhotoMetricDistortion
    dict(type='PaddleSegRandomDistort', brightness_range=0.4, contrast_range=0.4,
         saturation_range=0.4),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    # labels are loaded after Resize: the metric compares at the original size
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# prints the per-class IoU/Acc table and aAcc, mIoU, mAcc
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
