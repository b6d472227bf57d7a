# PicoDet 2021.09 with MobileNetV3-large 0.35x at 416 on COCO-2017 (PP-LCNet paper, Table 4).
_base_ = [
    '../_base_/models/picodet_pplcnet.py', '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_280e.py', '../_base_/default_runtime_det.py'
]

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/coco/'  # annotations/instances_{train,val}2017.json, {train,val}2017/*.jpg
classes = None  # None: COCO's 80 classes; another dataset: a tuple of its category names
num_classes = 80  # must equal len(classes) when classes is set
batch_size = 56  # per GPU; the paper uses 4 GPUs x 56 = 224 (see auto_scale_lr)
base_lr = 0.3  # for a total batch of 224; `tools/train.py --auto-scale-lr` rescales it
max_epochs = 280
# Backbone weights: a torchvision MobileNetV3 state dict saved under 'backbone.features.'
backbone_checkpoint = None  # e.g. 'checkpoints/mobilenetv3_large_x0_35_backbone.pth'
backbone = dict(
    type='TorchvisionMobileNetV3', arch='large', widen_factor=0.35, out_indices=(2, 3, 4))
neck_in_channels = [16, 40, 56]  # backbone.out_channels at out_indices
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
