# A tiny PicoDet of the detection demo (PP-LCNet-0.25x, 32-channel neck and head, one tower
# block): the model of the legacy-graph fixtures (make_fixtures.py). Neck inputs are given as
# they are (PP-LCNet-0.25x's blocks4/5/6), so the config means the same before and after the
# necks took the backbone's widen_factor.
_base_ = '../../../configs/det/picodet_pplcnet_1x_demo-voc.py'
model = dict(
    backbone=dict(widen_factor=0.25),
    neck=dict(in_channels=[32, 64, 128], out_channels=32),
    bbox_head=dict(in_channels=32, feat_channels=32, stacked_convs=1))
