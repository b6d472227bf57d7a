_base_ = './pplcnet_0.5x_fashion-mnist.py'
# MobileOne-S0 (mmpretrain's MobileOne, arch s0, training structure) on the same Fashion-MNIST
# run as PP-LCNet-0.5x: same data, 64x64 pipeline, recipe, schedule and command line; only the
# network differs (mmpretrain's mobileone_s0 model: 1024-channel last stage, linear head).
#   python tools/train.py configs/cls/mobileone_s0_fashion-mnist.py

# ==================== parameters that often need to be modified ====================
num_classes = 10
# ====================================================================================

model = dict(
    _delete_=True,
    type='ImageClassifier',
    backbone=dict(type='MobileOne', arch='s0', out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=num_classes,
        in_channels=1024,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5),
    ))
