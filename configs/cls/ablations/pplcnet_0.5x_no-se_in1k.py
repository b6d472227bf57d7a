_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 8: SE removed (no block has it).

model = dict(backbone=dict(se_blocks='0000000000000'))
