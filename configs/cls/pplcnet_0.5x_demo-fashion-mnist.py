_base_ = './pplcnet_0.5x_in1k.py'
# Demo: PP-LCNet-0.5x trained from scratch on the embedded Fashion-MNIST subset (data/demo_cls:
# 10 classes, 600 train / 200 val images, 28x28 grey) on a CPU in a few minutes.

# ==================== parameters that often need to be modified ====================
data_root = 'data/demo_cls/'  # train/<class>/*.png, val/<class>/*.png, meta/classes.txt
num_classes = 10
input_size = 64  # the 28x28 images are upsampled; grey PNGs load as 3 equal channels
train_batch_size_per_gpu = 32
train_num_workers = 2
base_lr = 0.1  # for a total batch of 32 (no ImageNet-scale lr on 600 images)
weight_decay = 5e-4
max_epochs = 30
warmup_epochs = 1
load_from = None  # a converted ImageNet checkpoint would fine-tune instead of training anew
# ====================================================================================

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[73.0, 73.0, 73.0],  # Fashion-MNIST pixel mean and std (0.286, 0.353) x 255
    std=[90.0, 90.0, 90.0],
    to_rgb=False,
)
model = dict(head=dict(num_classes=num_classes))

dataset_type = 'CheckedImageFolder'
metainfo = dict(classes=data_root + 'meta/classes.txt')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=input_size, crop_ratio_range=(0.6, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size)),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, data_prefix='train',
                 metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=50,
    num_workers=train_num_workers,
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, data_prefix='val',
                 metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
param_scheduler = [dict(_base_.lr_warmup, start_factor=0.1, end=warmup_epochs),
                   dict(_base_.lr_cosine, begin=warmup_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
auto_scale_lr = dict(base_batch_size=train_batch_size_per_gpu)

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best='auto'))
randomness = dict(seed=0)
