_base_ = './deeplabv3plus_pplcnet_1x_os32_cityscapes.py'
# DeepLabV3+ (OS32) with PP-LCNet-0.5x on Cityscapes: paper Table 5, 58.36 mIoU (PaddleSeg).
# Data, batch and schedule as in the 1x config (edit data_root etc. there or override here).

# ==================== parameters that often need to be modified ====================
widen_factor = 0.5  # PP-LCNet width multiplier
# ImageNet weights for the backbone, as PaddleSeg trains from them: PaddleClas'
# PPLCNet_x0_5_pretrained.pdparams (https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/
# legendary_models/PPLCNet_x0_5_pretrained.pdparams) converted by `pretrained_command`, which
# tools/train.py prints when the file is missing. From scratch instead:
# --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/pplcnet_0.5x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x0_5_pretrained.pdparams {pretrained} --backbone-only')
# ====================================================================================
model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    decode_head=dict(widen_factor=widen_factor))  # the backbone's: its inputs scale with it
