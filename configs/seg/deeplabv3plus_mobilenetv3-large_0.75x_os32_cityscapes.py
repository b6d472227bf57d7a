_base_ = './deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py'
# DeepLabV3+ (OS32) with MobileNetV3-large-0.75x (torchvision's) on Cityscapes: the paper's
# Table 5 baseline, 64.53 mIoU (PaddleSeg). Everything else as the 0.5x config.

# ==================== parameters that often need to be modified ====================
widen_factor = 0.75  # MobileNetV3-large width multiplier
low_level_channels = 24  # stride-4 output (24 x widen_factor, rounded to 8)
aspp_in_channels = 120  # stride-32 output, the last inverted residual (160 x widen_factor)
pretrained = None  # a checkpoint with backbone.features.* weights
# ====================================================================================
# The two channel counts are written out: torchvision rounds c * widen_factor to a multiple
# of 8 but never below 90% of it (configs with Paddle's MobileNetV3 will replace these).

model = dict(
    backbone=dict(widen_factor=widen_factor),
    decode_head=dict(in_channels=aspp_in_channels, c1_in_channels=low_level_channels))
if pretrained is not None:  # replaces torchvision's own initialisation
    model['backbone']['init_cfg'] = dict(
        type='Pretrained', prefix='backbone.', checkpoint=pretrained)
