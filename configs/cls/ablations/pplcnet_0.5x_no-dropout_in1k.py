_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 9: BaseNet + h-swish + large kernel + SE + last 1x1 conv, without dropout.

model = dict(head=dict(dropout_rate=0.0))
