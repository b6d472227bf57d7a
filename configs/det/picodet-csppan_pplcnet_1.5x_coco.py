# The later PicoDet (CSP-PAN, SimOTA, VFL; arXiv 2111.00902) with PP-LCNet 1.5x at 416
# on COCO-2017.
# PaddleDetection's PicoDet-LCNet-1.5x (theirs): 36.3 mAP, 3.10M params, 3.85 GFLOPs.
_base_ = [
    '../_base_/models/picodet_csppan_pplcnet.py', '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_300e.py', '../_base_/default_runtime_det.py'
]

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/coco/'  # annotations/instances_{train,val}2017.json, {train,val}2017/*.jpg
classes = None  # None: COCO's 80 classes; another dataset: a tuple of its category names
num_classes = 80  # must equal len(classes) when classes is set
batch_size = 56  # per GPU; the paper uses 4 GPUs x 56 = 224 (see auto_scale_lr)
base_lr = 0.4  # for a total batch of 224; `tools/train.py --auto-scale-lr` rescales it
max_epochs = 300
# Converted backbone weights: tools/model_converters/paddle2pplcnet.py --backbone-only
backbone_checkpoint = None  # e.g. 'checkpoints/pplcnet_x1_5_backbone.pth'
backbone = dict(type='PPLCNet', scale=1.5, out_indices=(2, 3, 4))
neck_in_channels = [192, 384, 768]  # backbone.out_channels at out_indices
# ----------------------------------------------------------------------------

metainfo = dict(classes=classes) if classes else None
model = dict(
    backbone=dict(
        backbone, _delete_=True,
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
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=300),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0, T_max=max_epochs,
         end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
