# PicoDet 2021.09 with PP-LCNet 1x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
_base_ = [
    '../_base_/models/picodet_pplcnet.py', '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_280e.py', '../_base_/default_runtime_det.py'
]

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/coco/'  # annotations/instances_{train,val}2017.json, {train,val}2017/*.jpg
classes = None  # None: COCO's 80 classes; another dataset: a tuple of its category names
batch_size = 56  # per GPU; the paper uses 4 GPUs x 56 = 224 (see auto_scale_lr)
base_lr = 0.3  # for a total batch of 224; `tools/train.py --auto-scale-lr` rescales it
max_epochs = 280
widen_factor = 1.0  # PP-LCNet width multiplier
# Converted backbone weights: tools/model_converters/paddle2pplcnet.py --backbone-only
backbone_checkpoint = None  # e.g. 'checkpoints/pplcnet_x1_0_backbone.pth'
# ----------------------------------------------------------------------------

# Derived from the parameters above (a config inheriting this one that changes a parameter
# recomputes what depends on it: mmengine evaluates each config file on its own).
num_classes = len(classes) if classes else 80
metainfo = dict(classes=classes) if classes else None
# the backbone's out_channels at out_indices (2, 3, 4): PP-LCNet-1x's times the width
neck_in_channels = [int(c * widen_factor) for c in (128, 256, 512)]

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=backbone_checkpoint)
        if backbone_checkpoint else None),
    neck=dict(in_channels=neck_in_channels),
    bbox_head=dict(num_classes=num_classes))
train_dataloader = dict(
    batch_size=batch_size, dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_warmup, end=_base_.warmup_iters),
                   dict(_base_.lr_cosine, T_max=max_epochs, end=max_epochs)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
