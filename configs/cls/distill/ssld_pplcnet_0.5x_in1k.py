_base_ = './ssld_pplcnet_1x_in1k.py'
# PP-LCNet-0.5x distilled SSLD-style (paper Table 2, 0.5x*: 66.10 top-1, the paper's). Teacher,
# data and recipe come from ssld_pplcnet_1x_in1k.py (PaddleClas has no 0.5x SSLD yaml).

# ==================== parameters that often need to be modified ====================
widen_factor = 0.5  # width multiplier of the student's backbone
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor), head=dict(widen_factor=widen_factor))
