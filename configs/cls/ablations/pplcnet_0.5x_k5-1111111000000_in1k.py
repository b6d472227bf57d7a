_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 7: 5x5 depthwise kernels on the first seven blocks instead of the last seven.

model = dict(backbone=dict(large_kernel_blocks='1111111000000'))
