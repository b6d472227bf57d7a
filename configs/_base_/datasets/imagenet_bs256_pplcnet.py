# ImageNet-1k in folder layout (data/README.md). 256 images per GPU x 8 GPUs = 2048, the paper's
# batch (PaddleClas: 512 x 4). Train: random resized crop 224 + horizontal flip; eval: resize the
# short side to 256, center crop 224 (paper section 4.2), with PaddleClas' operators as
# ppcls/configs/ImageNet/PPLCNet/PPLCNet_x1_0.yaml sets them (d6892e564): RandCropImage (not
# torchvision's crop law of mmpretrain's RandomResizedCrop), RandFlipImage (mmpretrain's
# RandomFlip flips alike), ResizeImage(resize_short=256) and CropImage(224) with PaddleClas'
# rounding (pplc_vision/datasets/paddleclas_transforms.py; pixel parity:
# tests/parity/test_reader_operators.py).
# CheckedImageNet (pplc_vision.datasets.image_folder): mmpretrain's ImageNet with one-line errors
# for an empty class folder and a class-count mismatch; it loads images with LoadImageChecked in
# place of the LoadImageFromFile named here (an undecodable image is a one-line error), and the
# stock name keeps mmpretrain's ImageClassificationInferencer working on this config.
dataset_type = 'CheckedImageNet'
data_root = 'data/imagenet/'
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PaddleClasRandCropImage', size=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PaddleClasResizeShort', scale=256),
    dict(type='PaddleClasCenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=256,
    num_workers=8,
    persistent_workers=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
