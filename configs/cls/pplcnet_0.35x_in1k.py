_base_ = './pplcnet_1x_in1k.py'
# PP-LCNet-0.35x on ImageNet-1k (paper Table 2; PaddleClas PPLCNet_x0_35.yaml). Data, batch, schedule
# and the rest of the recipe come from pplcnet_1x_in1k.py: change data_root etc. there.

# ==================== parameters that often need to be modified ====================
widen_factor = 0.35  # width multiplier of the backbone
weight_decay = 3e-05  # PaddleClas: 3e-5 for 0.25x..1x
load_from = None  # 'checkpoints/pplcnet_0.35x_in1k_paddle.pth' (tools/model_converters)
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor), head=dict(widen_factor=widen_factor))
optim_wrapper = dict(optimizer=dict(weight_decay=weight_decay))
