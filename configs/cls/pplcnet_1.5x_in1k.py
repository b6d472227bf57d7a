_base_ = './pplcnet_1x_in1k.py'
# PP-LCNet-1.5x on ImageNet-1k (paper Table 2; PaddleClas PPLCNet_x1_5.yaml). Data, batch, schedule
# and the rest of the recipe come from pplcnet_1x_in1k.py: change data_root etc. there.

# ==================== parameters that often need to be modified ====================
widen_factor = 1.5  # width multiplier of the backbone
weight_decay = 4e-05  # PaddleClas: 4e-5 for 1.5x, 2x, 2.5x
load_from = None  # 'checkpoints/pplcnet_1.5x_in1k_paddle.pth' (tools/model_converters)
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor), head=dict(widen_factor=widen_factor))
optim_wrapper = dict(optimizer=dict(weight_decay=weight_decay))
