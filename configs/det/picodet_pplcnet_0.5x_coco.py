# PicoDet 2021.09 with PP-LCNet 0.5x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Data, batch size, learning rate and schedule (PaddleDetection 35388eb7d4's picodet_m_mbv3_416
# recipe) come from picodet_pplcnet_1x_coco.py: edit them there (or override them here); this
# file changes only the backbone's width and its ImageNet weights.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
widen_factor = 0.5  # PP-LCNet width multiplier
# ImageNet weights for the backbone: PaddleClas' PPLCNet_x0_5_pretrained.pdparams
# (https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/
# PPLCNet_x0_5_pretrained.pdparams) converted by `pretrained_command`, which tools/train.py
# prints when the file is missing. From scratch instead:
# --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/pplcnet_0.5x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x0_5_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor))  # the backbone's: its out_channels scale with it
