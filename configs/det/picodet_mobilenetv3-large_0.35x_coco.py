# PicoDet 2021.09 with MobileNetV3-large 0.35x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
# Data, batch size, learning rate and schedule come from picodet_pplcnet_1x_coco.py: edit them there
# (or override them here); this file changes the backbone (the Paddle suite's MobileNetV3, as
# PaddleDetection builds it; not torchvision's) and its weight decay.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
# Backbone weights: PaddleClas' MobileNetV3_large_x0_35 ImageNet weights, converted with
#   python tools/model_converters/paddle2mobilenetv3.py \
#       MobileNetV3_large_x0_35_pretrained.pdparams DST --backbone-only
backbone_checkpoint = None  # e.g. 'checkpoints/mobilenetv3-large_0.35x_in1k_backbone.pth'
widen_factor = 0.35  # MobileNetV3-large width multiplier
# ----------------------------------------------------------------------------

# Derived: the neck's inputs are the backbone's out_channels at out_indices (2, 3, 4), 40, 112
# and 160 at width 1, scaled as Paddle's make_divisible(c * widen_factor, 8) does: to the nearest
# multiple of 8 (at least 8), plus 8 when that falls below 90% of c * widen_factor.
neck_in_channels = [max(8, int(c * widen_factor + 4) // 8 * 8) for c in (40, 112, 160)]
neck_in_channels = [n + 8 if n < 0.9 * c * widen_factor else n
                    for n, c in zip(neck_in_channels, (40, 112, 160))]
backbone = dict(_delete_=True, type='PaddleMobileNetV3', arch='large',
                widen_factor=widen_factor, out_indices=(2, 3, 4))

model = dict(
    backbone=dict(
        backbone, _delete_=True,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=backbone_checkpoint)
        if backbone_checkpoint else None),
    neck=dict(in_channels=neck_in_channels))
# PaddleDetection's MobileNetV3 puts L2Decay(conv_decay) on its convs (SE convs and their biases
# too) and L2Decay(norm_decay) on its BN, both 0 by default and in the PicoDet configs
# (`conv_decay: 0`): no backbone parameter is decayed. The neck and head keep the recipe's decay.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'backbone': dict(decay_mult=0.0)}))
