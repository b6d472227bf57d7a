_base_ = './deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py'
# Demo: the PP-LCNet-0.5x DeepLabV3+ (OS32) trained from scratch on the embedded demo set
# (data/demo_cityscapes: two CC0 scikit-image photos with rule-made labels in Cityscapes train
# ids, see its README) on a CPU in a few minutes. It trains and validates on the same two
# photos: it shows the pipeline end to end (training, mIoU table, --show-dir), not accuracy.

# ==================== parameters that often need to be modified ====================
data_root = 'data/demo_cityscapes/'
crop_size = (384, 384)  # (h, w)
train_batch_size_per_gpu = 4
train_num_workers = 2
base_lr = 0.05  # from scratch on two images
max_iters = 200
val_interval = 100
# ====================================================================================

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(512, 512), ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(512, 512), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
# from scratch: no ImageNet weights (the base config loads them by default)
pretrained = None
pretrained_command = None
model = dict(data_preprocessor=dict(size=crop_size), backbone=dict(init_cfg=None))
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    persistent_workers=train_num_workers > 0,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.lr_poly, end=max_iters)]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
auto_scale_lr = dict(base_batch_size=train_batch_size_per_gpu)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=val_interval, max_keep_ckpts=1))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
