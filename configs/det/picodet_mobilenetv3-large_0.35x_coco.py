# PicoDet 2021.09 with MobileNetV3-large 0.35x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Data, batch size, learning rate and schedule (PaddleDetection 35388eb7d4's picodet_m_mbv3_416
# recipe) come from picodet_pplcnet_1x_coco.py: edit them there (or override them here); this
# file changes the backbone (the Paddle suite's MobileNetV3, as PaddleDetection builds it; not
# torchvision's), its weight decay and its ImageNet weights.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
widen_factor = 0.35  # MobileNetV3-large width multiplier
# ImageNet weights for the backbone (PaddleDetection's picodet_mobilenetv3.yml starts from
# ImageNet MobileNetV3 weights too): PaddleClas' MobileNetV3_large_x0_35_pretrained.pdparams
# (https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/
# MobileNetV3_large_x0_35_pretrained.pdparams) converted by `pretrained_command`, which
# tools/train.py prints when the file is missing. From scratch instead:
# --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/mobilenetv3-large_0.35x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2mobilenetv3.py '
                      f'MobileNetV3_large_x0_35_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

backbone = dict(type='PaddleMobileNetV3', arch='large', widen_factor=widen_factor,
                out_indices=(2, 3, 4))

model = dict(
    backbone=dict(
        backbone, _delete_=True,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    # the backbone's out_channels at out_indices (2, 3, 4) at width 1; the neck scales them with
    # the backbone's widen_factor as Paddle's MobileNetV3 does (make_divisible(c * width, 8))
    neck=dict(in_channels=(40, 112, 160), widen_factor=widen_factor))
# PaddleDetection's MobileNetV3 (35388eb7d4 and b1186bc822 alike) puts L2Decay(conv_decay) on
# its convs (SE convs and their biases too) and L2Decay(norm_decay) on its BN, both 0 by default
# and in the PicoDet configs (picodet_mobilenetv3.yml sets neither): no backbone parameter is
# decayed. The neck and head keep the recipe's decay.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(decay_mult=0.0)}))
