_base_ = './deeplabv3plus_pplcnet_1x_os32_cityscapes.py'
# DeepLabV3+ (OS32) with MobileNetV3-large-0.5x on Cityscapes: the paper's Table 5 baseline,
# 55.42 mIoU (PaddleSeg). The backbone is the Paddle suite's MobileNetV3 (PaddleSeg's
# MobileNetV3_large_x0_5, = PaddleClas' without the classifier), not torchvision's. Same head,
# data, batch and schedule as the PP-LCNet rows (edit data_root etc. in the PP-LCNet-1x config or
# override here).

# ==================== parameters that often need to be modified ====================
widen_factor = 0.5  # MobileNetV3-large width multiplier
# ImageNet weights for the backbone, as PaddleSeg trains from them: PaddleClas'
# MobileNetV3_large_x0_5_pretrained.pdparams (https://paddle-imagenet-models-name.bj.bcebos.com/
# dygraph/legendary_models/MobileNetV3_large_x0_5_pretrained.pdparams) converted by
# `pretrained_command`, which tools/train.py prints when the file is missing. From scratch
# instead: --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/mobilenetv3-large_0.5x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2mobilenetv3.py '
                      f'MobileNetV3_large_x0_5_pretrained.pdparams {pretrained} --backbone-only')
# ====================================================================================

model = dict(
    backbone=dict(
        _delete_=True,
        type='PaddleMobileNetV3',
        arch='large',
        widen_factor=widen_factor,
        out_indices=(1, 4),  # stride 4 (low-level) and stride 32 (ASPP)
        norm_cfg=_base_.norm_cfg,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    # the backbone's out_channels at out_indices (1, 4) at width 1; the head scales them with the
    # backbone's widen_factor as Paddle's MobileNetV3 does (make_divisible(c * width, 8))
    decode_head=dict(in_channels=(24, 160), widen_factor=widen_factor))
