# The PULC classifiers of PaddleClas 2.6 (ppcls/configs/PULC/<task>/PPLCNet_x1_0.yaml): all are
# PaddleClas' `PPLCNet_x1_0` (scale 1.0, class_expand 1280, dropout 0.2, hard-swish), each with
# its task's `Arch` arguments (class_num, stride_list, use_last_conv; `pretrained`, `use_ssld`
# and `use_sync_bn` only load or train it). Converted PaddleClas weights give PaddleClas' logits
# (tools/model_converters/paddle2pplcnet.py SRC DST --config CONFIG).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='PPLCNet', widen_factor=1.0, out_indices=(4, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='PPLCNetClsHead',
        num_classes=2,
        in_channels=512,  # PP-LCNet-1x's last stage
        mid_channels=1280,
        dropout_rate=0.2,
        loss=dict(type='CrossEntropyLoss'),  # PaddleClas' CELoss
        topk=(1, )))
