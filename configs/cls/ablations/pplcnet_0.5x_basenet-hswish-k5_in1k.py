_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 9: BaseNet + h-swish + large kernel (5x5 on the last seven blocks as designed;
# no SE, no last 1x1 conv).

model = dict(backbone=dict(se_blocks='0000000000000'), head=dict(use_last_conv=False))
