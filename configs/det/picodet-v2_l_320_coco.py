# PicoDet v2 L (PP-LCNet 2x, 160 channels, 4-block towers) at 320 on COCO-2017: PaddleDetection's
# configs/picodet/picodet_l_320_coco_lcnet.yml at 666f597fd0: 36.1 mAP(0.5:0.95), 5.80M params in
# its model zoo. 24 images per GPU x 4, lr 0.12; `epoch: 250` of a 300-epoch cosine (upstream's
# file as it is).
_base_ = './picodet-v2_s_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
batch_size = 24
base_lr = 0.12
max_epochs = 250
cosine_epochs = 300
widen_factor = 2.0
channels = 160
stacked_convs = 4
# ImageNet weights, the yml's pretrain_weights: https://paddle-imagenet-models-name.bj.bcebos.com/
# dygraph/legendary_models/PPLCNet_x2_0_pretrained.pdparams
pretrained = 'checkpoints/pplcnet_2x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x2_0_pretrained.pdparams {pretrained} --backbone-only')
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
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, T_max=cosine_epochs, end=max_epochs),
                   _base_.lr_warmup]
