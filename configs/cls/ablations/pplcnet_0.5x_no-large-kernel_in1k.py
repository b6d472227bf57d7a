_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 8: large kernels removed (3x3 depthwise kernels everywhere).

model = dict(backbone=dict(large_kernel_blocks='0000000000000'))
