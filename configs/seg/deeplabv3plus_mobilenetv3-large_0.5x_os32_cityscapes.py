_base_ = './deeplabv3plus_pplcnet_1x_os32_cityscapes.py'
# DeepLabV3+ (OS32) with MobileNetV3-large-0.5x (torchvision's) on Cityscapes: the paper's
# Table 5 baseline, 55.42 mIoU (PaddleSeg). Same head, data, batch and schedule as the PP-LCNet
# rows (edit data_root etc. in the PP-LCNet-1x config or override here).

# ==================== parameters that often need to be modified ====================
widen_factor = 0.5  # MobileNetV3-large width multiplier
low_level_channels = 16  # stride-4 output (24 x widen_factor, rounded to 8)
aspp_in_channels = 80  # stride-32 output, the last inverted residual (160 x widen_factor)
pretrained = None  # a checkpoint with backbone.features.* weights
# ====================================================================================
# The two channel counts are written out: torchvision rounds c * widen_factor to a multiple
# of 8 but never below 90% of it (configs with Paddle's MobileNetV3 will replace these).

model = dict(
    backbone=dict(
        _delete_=True,
        type='TorchvisionMobileNetV3',
        arch='large',
        widen_factor=widen_factor,
        out_indices=(1, 4),  # stride 4 (low-level) and stride 32 (ASPP)
    ),
    decode_head=dict(in_channels=aspp_in_channels, c1_in_channels=low_level_channels))
if pretrained is not None:  # replaces torchvision's own initialisation
    model['backbone']['init_cfg'] = dict(
        type='Pretrained', prefix='backbone.', checkpoint=pretrained)
