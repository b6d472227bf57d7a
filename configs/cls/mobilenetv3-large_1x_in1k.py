_base_ = [
    '../_base_/models/mobilenetv3_cls.py',
    '../_base_/datasets/imagenet_bs256_pplcnet.py',
    '../_base_/schedules/imagenet_pplcnet_360e.py',
    '../_base_/default_runtime_cls.py',
]
# MobileNetV3-large-1x on ImageNet-1k as PaddleClas trains it (the paper's Table 3 baseline;
# PaddleClas ppcls/configs/ImageNet/MobileNetV3/MobileNetV3_large_x1_0.yaml): SGD momentum 0.9,
# lr 0.65 for 256 x 4 = 1024 images, 5 warm-up epochs then cosine, 360 epochs, L2 2e-5 (BN
# exempt), label smoothing 0.1, AutoAugment. The other widths inherit this config.

# ==================== parameters that often need to be modified ====================
data_root = 'data/imagenet/'  # ImageNet-1k folder layout, see data/README.md
arch = 'large'  # 'large' or 'small'
widen_factor = 1.0  # width multiplier of the backbone
train_batch_size_per_gpu = 128  # x 8 GPUs = 1024, PaddleClas' batch (see --auto-scale-lr)
train_num_workers = 8
base_lr = 0.65  # for a total batch of 1024
weight_decay = 2e-05  # PaddleClas: 2e-5 (1e-5 for small-0.35x)
max_epochs = 360
# Converted PaddleClas weights (tools/model_converters/paddle2mobilenetv3.py writes an mmengine
# checkpoint with backbone.* and head.* keys), e.g. to evaluate or fine-tune them:
load_from = None  # 'checkpoints/mobilenetv3-large_1x_in1k_paddle.pth'
# ====================================================================================
model = dict(
    backbone=dict(arch=arch, widen_factor=widen_factor),
    head=dict(widen_factor=widen_factor))
# AutoAugment after the flip (PaddleClas trains only large-1x with it). Pad value: ImageNet mean
# in BGR. `train_pipeline` (no AutoAugment) stays the dataset base's, for the other widths.
autoaugment_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PaddleClasRandCropImage', size=224),  # PaddleClas' RandCropImage
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AutoAugment', policies='imagenet', hparams=dict(pad_val=[104, 116, 124])),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    dataset=dict(data_root=data_root, pipeline=autoaugment_train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
train_cfg = dict(max_epochs=max_epochs)
# With `tools/train.py --auto-scale-lr`, lr is scaled by (GPUs x batch per GPU) / 1024.
auto_scale_lr = dict(base_batch_size=1024)
