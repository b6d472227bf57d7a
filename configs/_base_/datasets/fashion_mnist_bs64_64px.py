# Fashion-MNIST (70,000 real 28x28 grey images, 10 classes, MIT) read in memory from its IDX files
# (Debian package dataset-fashion-mnist; data/README.md) through an ImageNet-style pipeline: each
# image served as 3 equal channels, upsampled to 64x64; train: random resized crop (70-100% of
# the area) + horizontal flip; eval: resize to 64x64. 60,000 train / 10,000 test (the official
# test split is the val and test set: Fashion-MNIST has no separate val split).
dataset_type = 'FashionMNISTIdx'
data_root = '/usr/share/datasets/fashion-mnist'
data_preprocessor = dict(
    num_classes=10,
    mean=[72.94, 72.94, 72.94],  # Fashion-MNIST train pixel mean and std (0.2860, 0.3530) x 255
    std=[90.02, 90.02, 90.02],
    to_rgb=False,
)

train_pipeline = [
    dict(type='RandomResizedCrop', scale=64, crop_ratio_range=(0.7, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='Resize', scale=(64, 64)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=250,
    num_workers=1,
    persistent_workers=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, 5))

test_dataloader = val_dataloader
test_evaluator = val_evaluator
