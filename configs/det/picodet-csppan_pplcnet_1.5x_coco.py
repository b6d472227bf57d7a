# The later PicoDet (CSP-PAN, SimOTA, VFL; arXiv 2111.00902) with PP-LCNet 1.5x at 416
# on COCO-2017: PaddleDetection's picodet_lcnet_1_5x_416_coco (configs/picodet/legacy_model/
# more_config/ at HEAD 666f597fd0, first published in 1fa998be68, 2021-10-25): 36.3 mAP, 3.10M
# params, 3.85 GFLOPs in its model zoo.
# Data, learning rate and schedule (lr 0.4, 300 epochs) come from picodet-csppan_pplcnet_1x_coco.py
# (edit them there or override them here); this file changes the backbone's width, its ImageNet
# weights and the batch: 80 per GPU x 4 (the 1x file's picodet_lcnet_1_0x_416_coco.yml has 90).
_base_ = './picodet-csppan_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
widen_factor = 1.5  # PP-LCNet width multiplier
batch_size = 80  # per GPU; PaddleDetection trains on 4 GPUs: 320 (see auto_scale_lr)
# ImageNet weights for the backbone, as PaddleDetection trains from them (LCNet_x1_5_pretrained
# .pdparams): PaddleClas' PPLCNet_x1_5_pretrained.pdparams (https://paddle-imagenet-models-name.
# bj.bcebos.com/dygraph/legendary_models/PPLCNet_x1_5_pretrained.pdparams) converted by
# `pretrained_command`, which tools/train.py prints when the file is missing. From scratch
# instead: --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/pplcnet_1.5x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x1_5_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor))  # the backbone's: its out_channels scale with it
train_dataloader = dict(batch_size=batch_size)
auto_scale_lr = dict(base_batch_size=4 * batch_size)  # lr 0.4 for 320 images an iteration
