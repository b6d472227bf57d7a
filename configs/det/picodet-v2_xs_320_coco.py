# PicoDet v2 XS (PP-LCNet 0.35x, 96 channels, 2-block towers) at 320 on COCO-2017:
# PaddleDetection's configs/picodet/picodet_xs_320_coco_lcnet.yml at 666f597fd0: 23.5
# mAP(0.5:0.95), 0.70M params in its model zoo. 64 images per GPU x 4, lr 0.32, 300 epochs: the
# S-320 recipe with another width.
_base_ = './picodet-v2_s_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
widen_factor = 0.35
channels = 96
stacked_convs = 2
# ImageNet weights: the yml's LCNet_x0_35_pretrained.pdparams (https://paddledet.bj.bcebos.com/
# models/pretrained/LCNet_x0_35_pretrained.pdparams) is PP-LCNet-0.35x; PaddleClas publishes it as
# https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/PPLCNet_x0_35_pretrained.pdparams
pretrained = 'checkpoints/pplcnet_0.35x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x0_35_pretrained.pdparams {pretrained} --backbone-only')
# From scratch instead of the ImageNet backbone: --cfg-options model.backbone.init_cfg=None
# ----------------------------------------------------------------------------

# Derived as in picodet-v2_s_320_coco.py, for the new width.
model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor, out_channels=channels),
    bbox_head=dict(in_channels=channels, feat_channels=channels, stacked_convs=stacked_convs))
