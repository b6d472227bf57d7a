# PicoDet v2 M at 416 on COCO-2017: PaddleDetection's configs/picodet/picodet_m_416_coco_lcnet.yml
# at 666f597fd0: 37.5 mAP(0.5:0.95), 3.46M params in its model zoo. 48 images per GPU x 4,
# lr 0.24; `epoch: 250` of a cosine that its LearningRate still sets to 300 epochs (upstream's
# file as it is: training stops at lr ~0.016).
_base_ = './picodet-v2_s_416_coco.py'

# ---------------- parameters that often need to be modified ----------------
batch_size = 48
base_lr = 0.24
max_epochs = 250
cosine_epochs = 300
widen_factor = 1.5
channels = 128
stacked_convs = 4
# ImageNet weights: the base yml's LCNet_x1_5_pretrained.pdparams (https://paddledet.bj.bcebos.com/
# models/pretrained/LCNet_x1_5_pretrained.pdparams) is PP-LCNet-1.5x; PaddleClas publishes it as
# https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/PPLCNet_x1_5_pretrained.pdparams
pretrained = 'checkpoints/pplcnet_1.5x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x1_5_pretrained.pdparams {pretrained} --backbone-only')
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
