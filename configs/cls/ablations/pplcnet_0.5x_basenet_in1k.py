_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 9: BaseNet, MobileNetV1-like: ReLU, 3x3 depthwise kernels, no SE, no last 1x1 conv.

model = dict(
    backbone=dict(
        act_cfg=dict(type='ReLU'), se_blocks='0000000000000', large_kernel_blocks='0000000000000'),
    head=dict(use_last_conv=False))
