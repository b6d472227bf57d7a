_base_ = './deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py'
# DeepLabV3+ (OS32) with MobileNetV3-large-0.75x (the Paddle suite's) on Cityscapes: the paper's
# Table 5 baseline, 64.53 mIoU (PaddleSeg). Everything else as the 0.5x config.

# ==================== parameters that often need to be modified ====================
widen_factor = 0.75  # MobileNetV3-large width multiplier
# ImageNet weights for the backbone, as PaddleSeg trains from them: PaddleClas'
# MobileNetV3_large_x0_75_pretrained.pdparams (https://paddle-imagenet-models-name.bj.bcebos.com/
# dygraph/legendary_models/MobileNetV3_large_x0_75_pretrained.pdparams) converted by
# `pretrained_command`, which tools/train.py prints when the file is missing. From scratch
# instead: --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/mobilenetv3-large_0.75x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2mobilenetv3.py '
                      f'MobileNetV3_large_x0_75_pretrained.pdparams {pretrained} --backbone-only')
# ====================================================================================
model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    decode_head=dict(widen_factor=widen_factor))  # the backbone's, as in the 0.5x config
