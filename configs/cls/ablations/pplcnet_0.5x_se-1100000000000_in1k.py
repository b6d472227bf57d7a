_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 6: SE on the first two blocks instead of the last two.

model = dict(backbone=dict(se_blocks='1100000000000'))
