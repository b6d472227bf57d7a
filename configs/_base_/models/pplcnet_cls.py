# PP-LCNet classifier (PaddleClas PPLCNet_x1_0): backbone, global pooling, the paper's head
# (1x1 conv to 1280 + hard-swish + dropout 0.2 + FC), CE with label smoothing 0.1 (PaddleClas
# CELoss epsilon 0.1). Leaf configs set the backbone's widen_factor and hand it to the head,
# whose input is the backbone's last channels at that width (make_divisible(512 * width, 8)).
widen_factor = 1.0  # PP-LCNet width multiplier
model = dict(
    type='ImageClassifier',
    backbone=dict(type='PPLCNet', widen_factor=widen_factor, out_indices=(4, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='PPLCNetClsHead',
        num_classes=1000,
        in_channels=512,  # the backbone's last channels at width 1
        widen_factor=widen_factor,
        mid_channels=1280,
        dropout_rate=0.2,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5),
    ))
