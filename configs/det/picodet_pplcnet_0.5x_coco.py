# PicoDet 2021.09 with PP-LCNet 0.5x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Data, batch size, learning rate and schedule come from picodet_pplcnet_1x_coco.py: edit them there
# (or override them here); this file changes only the backbone's width.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
widen_factor = 0.5  # PP-LCNet width multiplier
# Converted backbone weights: tools/model_converters/paddle2pplcnet.py --backbone-only
backbone_checkpoint = None  # e.g. 'checkpoints/pplcnet_x0_5_backbone.pth'
# ----------------------------------------------------------------------------

# Derived as in the 1x config (mmengine evaluates each config file on its own).
neck_in_channels = [int(c * widen_factor) for c in (128, 256, 512)]

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=backbone_checkpoint)
        if backbone_checkpoint else None),
    neck=dict(in_channels=neck_in_channels))
