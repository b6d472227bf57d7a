_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 9: BaseNet + h-swish (3x3 depthwise kernels, no SE, no last 1x1 conv).

model = dict(
    backbone=dict(se_blocks='0000000000000', large_kernel_blocks='0000000000000'),
    head=dict(use_last_conv=False))
