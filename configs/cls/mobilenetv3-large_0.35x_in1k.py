_base_ = './mobilenetv3-large_1x_in1k.py'
# MobileNetV3-large-0.35x on ImageNet-1k as PaddleClas trains it (PaddleClas
# ppcls/configs/ImageNet/MobileNetV3/MobileNetV3_large_x0_35.yaml):
# lr 1.3 for 512 x 4 = 2048 images, no AutoAugment; the rest of the recipe (and data_root)
# comes from mobilenetv3-large_1x_in1k.py.

# ==================== parameters that often need to be modified ====================
arch = 'large'  # 'large' or 'small'
widen_factor = 0.35  # width multiplier of the backbone
train_batch_size_per_gpu = 256  # x 8 GPUs = 2048, PaddleClas' batch (see --auto-scale-lr)
base_lr = 1.3  # for a total batch of 2048
weight_decay = 2e-05  # PaddleClas: 2e-5
load_from = None  # 'checkpoints/mobilenetv3-large_0.35x_in1k_paddle.pth'
# ====================================================================================
model = dict(
    backbone=dict(arch=arch, widen_factor=widen_factor),
    head=dict(widen_factor=widen_factor))
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu, dataset=dict(pipeline=_base_.train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
auto_scale_lr = dict(base_batch_size=2048)
