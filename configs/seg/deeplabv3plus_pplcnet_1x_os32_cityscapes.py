_base_ = [
    '../_base_/models/deeplabv3plus_pplcnet_os32.py',
    '../_base_/datasets/cityscapes_1024x512.py',
    '../_base_/schedules/seg_sgd_poly_80k.py',
    '../_base_/default_runtime_seg.py',
]
# DeepLabV3+ (OS32) with PP-LCNet-1x on Cityscapes: paper Table 5, 66.03 mIoU (PaddleSeg).

# ==================== parameters that often need to be modified ====================
data_root = 'data/cityscapes/'  # leftImg8bit/ + gtFine/ with *_labelTrainIds.png
scale = 1.0  # PP-LCNet width multiplier
low_level_channels = 64  # blocks3 (stride 4): make_divisible(64 * scale, 8)
aspp_in_channels = 512  # blocks6 (stride 32): make_divisible(512 * scale, 8)
train_batch_size_per_gpu = 8  # x 4 GPUs = 32, the paper's batch (see --auto-scale-lr)
train_num_workers = 4
base_lr = 0.01  # for a total batch of 32
max_iters = 80000
val_interval = 8000
# ImageNet weights for the backbone, converted with
#   python tools/model_converters/paddle2pplcnet.py PPLCNet_x1_0_pretrained.pdparams \
#       checkpoints/pplcnet_1x_backbone.pth --backbone-only
pretrained = None  # 'checkpoints/pplcnet_1x_backbone.pth'
# ====================================================================================

crop_size = (512, 1024)
model = dict(
    data_preprocessor=dict(size=crop_size),  # pad training crops (and smaller images) to it
    backbone=dict(scale=scale),
    decode_head=dict(in_channels=aspp_in_channels, c1_in_channels=low_level_channels))
if pretrained is not None:  # replaces the backbone's default (Kaiming) initialisation
    model['backbone']['init_cfg'] = dict(
        type='Pretrained', prefix='backbone.', checkpoint=pretrained)
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
