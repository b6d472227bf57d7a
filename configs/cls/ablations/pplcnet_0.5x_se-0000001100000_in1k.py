_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 6: SE on two middle blocks (7th and 8th: the first two 5x5 blocks of blocks5)
# instead of the last two.

model = dict(backbone=dict(se_blocks='0000001100000'))
