# The PULC attribute classifiers (person_attribute, vehicle_attribute, table_attribute of
# PaddleClas 2.6): the PULC PP-LCNet-1x with a multi-label head. PaddleClas trains them with
# `use_multilabel` and exports the network with a sigmoid; its MultiLabelLoss (weight_ratio: a
# binary cross-entropy weighted by each attribute's frequency) has no mmpretrain counterpart,
# mmpretrain's unweighted one stands in for it. Leaf configs set num_classes and postprocess.
_base_ = './pplcnet_pulc.py'
model = dict(head=dict(
    _delete_=True,
    type='PPLCNetMultiLabelClsHead',
    num_classes=26,
    in_channels=512,
    mid_channels=1280,
    dropout_rate=0.2,
    loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
    thr=0.5))
