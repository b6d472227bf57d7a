# PicoDet 2021.09 with MobileNetV3-large 0.75x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Data, batch size, learning rate and schedule come from picodet_pplcnet_1x_coco.py: edit them there
# (or override them here); this file changes only the backbone.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
# Backbone weights: a torchvision MobileNetV3 state dict saved under 'backbone.features.'
backbone_checkpoint = None  # e.g. 'checkpoints/mobilenetv3_large_x0_75_backbone.pth'
widen_factor = 0.75  # MobileNetV3-large width multiplier
backbone = dict(_delete_=True, type='TorchvisionMobileNetV3', arch='large',
                widen_factor=widen_factor, out_indices=(2, 3, 4))
# backbone.out_channels at out_indices, written out: torchvision rounds c * widen_factor to a
# multiple of 8 but never below 90% of it (configs with Paddle's MobileNetV3 will replace these)
neck_in_channels = [32, 88, 120]
# ----------------------------------------------------------------------------

model = dict(
    backbone=dict(
        backbone, _delete_=True,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=backbone_checkpoint)
        if backbone_checkpoint else None),
    neck=dict(in_channels=neck_in_channels))
