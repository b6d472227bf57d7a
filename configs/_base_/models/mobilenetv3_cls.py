# MobileNetV3 classifier as PaddleClas builds it (MobileNetV3_{large,small}_x*, the baseline of
# the paper's Table 3): PaddleMobileNetV3 with its classifier conv (last_second_conv: 960 or 576
# x width, BN, hard-swish), global pooling, then PaddleClas' head (1x1 conv to 1280 without bias
# + hard-swish + dropout 0.2 + FC), CE with label smoothing 0.1 (PaddleClas CELoss epsilon 0.1).
# Leaf configs set arch and widen_factor; the head scales its input with the width.
arch = 'large'  # 'large' or 'small'
widen_factor = 1.0  # width multiplier
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='PaddleMobileNetV3',
        arch=arch,
        widen_factor=widen_factor,
        out_indices=(4, ),
        with_last_conv=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='PPLCNetClsHead',
        num_classes=1000,
        in_channels=960,  # last_second_conv's channels at width 1: 960 (large) or 576 (small)
        widen_factor=widen_factor,
        mid_channels=1280,
        last_conv_bias=False,
        dropout_rate=0.2,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5),
    ))
