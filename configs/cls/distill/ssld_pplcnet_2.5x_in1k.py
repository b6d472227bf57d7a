_base_ = './ssld_pplcnet_1x_in1k.py'
# PP-LCNet-2.5x distilled SSLD-style (paper Table 2, 2.5x*: 80.82 top-1, the paper's;
# PaddleClas PPLCNet_x2_5_ssld.yaml: 100 epochs, lr 0.2 for a batch of 1024, L2 4e-5, dropout
# 0.2, crop + flip only). Teacher and data come from ssld_pplcnet_1x_in1k.py.

# ==================== parameters that often need to be modified ====================
widen_factor = 2.5  # width multiplier of the student's backbone
base_lr = 0.4  # for a total batch of 2048
weight_decay = 4e-05
max_epochs = 100
dropout_rate = 0.2
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor),
             head=dict(widen_factor=widen_factor, dropout_rate=dropout_rate))
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
train_cfg = dict(max_epochs=max_epochs)
