_base_ = '../pplcnet_0.5x_in1k.py'
# Paper Table 8: h-swish removed, ReLU everywhere (backbone and head; SE keeps its own gates).

model = dict(backbone=dict(act_cfg=dict(type='ReLU')), head=dict(act_cfg=dict(type='ReLU')))
