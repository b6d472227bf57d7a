_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 8 (without the last 1x1 conv) and Table 9 (BaseNet + h-swish + large kernel + SE):
# pooled features go straight to the FC layer (no 1280-channel conv, no dropout).

model = dict(head=dict(use_last_conv=False))
