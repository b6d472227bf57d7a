_base_ = [
    '../_base_/models/deeplabv3plus_pplcnet_os32.py',
    '../_base_/datasets/cityscapes_1024x512.py',
    '../_base_/schedules/seg_sgd_poly_80k.py',
    '../_base_/default_runtime_seg.py',
]
# DeepLabV3+ (OS32) with PP-LCNet-1x on Cityscapes: paper Table 5, 66.03 mIoU (PaddleSeg).

# ==================== parameters that often need to be modified ====================
data_root = 'data/cityscapes/'  # leftImg8bit/ + gtFine/ with *_labelTrainIds.png
widen_factor = 1.0  # PP-LCNet width multiplier
train_batch_size_per_gpu = 8  # x 4 GPUs = 32, the paper's batch (see --auto-scale-lr)
train_num_workers = 4
base_lr = 0.01  # for a total batch of 32
max_iters = 80000
val_interval = 8000
# ImageNet weights for the backbone, as PaddleSeg trains from them: PaddleClas'
# PPLCNet_x1_0_pretrained.pdparams (https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/
# legendary_models/PPLCNet_x1_0_pretrained.pdparams) converted by `pretrained_command`, which
# tools/train.py prints when the file is missing. From scratch instead:
# --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/pplcnet_1x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x1_0_pretrained.pdparams {pretrained} --backbone-only')
# ====================================================================================
crop_size = (512, 1024)
model = dict(
    data_preprocessor=dict(size=crop_size),  # pad training crops (and smaller images) to it
    backbone=dict(
        widen_factor=widen_factor,
        # None: the layers' own initialisation (Kaiming-normal convs, unit BN), from scratch
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    decode_head=dict(widen_factor=widen_factor))  # the backbone's: its inputs scale with it
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.lr_poly, end=max_iters)]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
