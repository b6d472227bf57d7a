# PicoDet 2021.09 with PP-LCNet 0.5x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Data, batch size, learning rate and schedule come from picodet_pplcnet_1x_coco.py: edit them there
# (or override them here); this file changes only the backbone.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
# Converted backbone weights: tools/model_converters/paddle2pplcnet.py --backbone-only
backbone_checkpoint = None  # e.g. 'checkpoints/pplcnet_x0_5_backbone.pth'
backbone = dict(_delete_=True, type='PPLCNet', scale=0.5, out_indices=(2, 3, 4))
neck_in_channels = [64, 128, 256]  # backbone.out_channels at out_indices
# ----------------------------------------------------------------------------

model = dict(
    backbone=dict(
        backbone, _delete_=True,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=backbone_checkpoint)
        if backbone_checkpoint else None),
    neck=dict(in_channels=neck_in_channels))
