_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 6: SE on every block.

model = dict(backbone=dict(se_blocks='1111111111111'))
