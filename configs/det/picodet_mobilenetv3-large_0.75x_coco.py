# PicoDet 2021.09 with MobileNetV3-large 0.75x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Everything but the width and the ImageNet weights as in picodet_mobilenetv3-large_0.35x_coco.py
# (the Paddle suite's MobileNetV3, no weight decay on it), whose data, batch size, learning rate
# and schedule come from picodet_pplcnet_1x_coco.py.
_base_ = './picodet_mobilenetv3-large_0.35x_coco.py'

# ---------------- parameters that often need to be modified ----------------
widen_factor = 0.75  # MobileNetV3-large width multiplier
# ImageNet weights for the backbone: PaddleClas' MobileNetV3_large_x0_75_pretrained.pdparams
# (https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/
# MobileNetV3_large_x0_75_pretrained.pdparams) converted by `pretrained_command`, which
# tools/train.py prints when the file is missing. From scratch instead:
# --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/mobilenetv3-large_0.75x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2mobilenetv3.py '
                      f'MobileNetV3_large_x0_75_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor))  # the backbone's, as in the 0.35x config
