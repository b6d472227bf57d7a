_base_ = './pplcnet_1x_in1k.py'
# PP-LCNet-2.5x on ImageNet-1k (paper Table 2; PaddleClas PPLCNet_x2_5.yaml). Data, batch, schedule
# and the rest of the recipe come from pplcnet_1x_in1k.py: change data_root etc. there.

# ==================== parameters that often need to be modified ====================
widen_factor = 2.5  # width multiplier of the backbone
weight_decay = 4e-05  # PaddleClas: 4e-5 for 1.5x, 2x, 2.5x
load_from = None  # 'checkpoints/pplcnet_2.5x_in1k_paddle.pth' (tools/model_converters)
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor), head=dict(widen_factor=widen_factor))
optim_wrapper = dict(optimizer=dict(weight_decay=weight_decay))

# PaddleClas trains the 2.5x model with AutoAugment after the flip (PPLCNet_x2_5.yaml); the
# paper's section 4.2 does not mention it. Pad value: ImageNet mean in BGR.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PaddleClasRandCropImage', size=224),  # PaddleClas' RandCropImage
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='AutoAugment', policies='imagenet', hparams=dict(pad_val=[104, 116, 124])),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
