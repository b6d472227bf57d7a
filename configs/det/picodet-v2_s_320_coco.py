# PicoDet v2 S (PP-LCNet 0.75x, 96 channels, 2-block towers) at 320 on COCO-2017: PaddleDetection's
# configs/picodet/picodet_s_320_coco_lcnet.yml at 666f597fd0 (with _base_/picodet_v2.yml,
# _base_/optimizer_300e.yml, _base_/picodet_320_reader.yml): 29.1 mAP(0.5:0.95), 1.18M params
# in its model zoo. 64 images per GPU x 4 GPUs, lr 0.32, 300 epochs of a 300-epoch cosine after
# 300 warm-up iterations from 0.1, ATSS for 100 epochs then task-aligned assignment.
# The other PicoDet v2 configs inherit this one and change the parameters below; what derives
# from them is recomputed where they change (mmengine evaluates each config file on its own).
_base_ = [
    '../_base_/models/picodet_v2_pplcnet.py', '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_v2_300e.py', '../_base_/default_runtime_det.py'
]

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/coco/'  # annotations/instances_{train,val}2017.json, {train,val}2017/*.jpg
classes = None  # None: COCO's 80 classes; another dataset: a tuple of its category names
input_size = 320  # evaluation size; training sizes input_size - 64 .. input_size + 64
batch_size = 64  # per GPU; PaddleDetection trains on 4 GPUs (see auto_scale_lr)
base_lr = 0.32  # for 4 x batch_size images an iteration
max_epochs = 300  # upstream `epoch`
cosine_epochs = 300  # upstream CosineDecay.max_epochs (longer than max_epochs in some files)
static_assigner_epoch = 100  # ATSS before, task-aligned assignment from this epoch on
widen_factor = 0.75  # PP-LCNet width (upstream LCNet.scale)
channels = 96  # LCPAN and head width
stacked_convs = 2  # blocks per head tower (PicoFeat.num_convs)
# ImageNet weights for the backbone, as PaddleDetection trains from them (the yml's
# pretrain_weights, PaddleClas' PPLCNet_x0_75_pretrained.pdparams: https://paddle-imagenet-models-
# name.bj.bcebos.com/dygraph/legendary_models/PPLCNet_x0_75_pretrained.pdparams) converted by
# `pretrained_command`, which tools/train.py prints when the file is missing. From scratch
# instead: --cfg-options model.backbone.init_cfg=None (or pretrained = None here).
pretrained = 'checkpoints/pplcnet_0.75x_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x0_75_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

# Derived from the parameters above.
num_classes = len(classes) if classes else 80
metainfo = dict(classes=classes) if classes else dict()  # dict: children may set classes
# one random square size per batch, input_size -/+ 64 in steps of 32, and one of five
# interpolations (upstream's BatchRandomResize; the base reader's `batch_random_resize`)
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]

model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor, out_channels=channels),
    bbox_head=dict(num_classes=num_classes, in_channels=channels, feat_channels=channels,
                   stacked_convs=stacked_convs),
    train_cfg=dict(initial_epoch=static_assigner_epoch))
train_dataloader = dict(
    batch_size=batch_size, drop_last=True,  # ppdet's TrainReader drops the last batch
    collate_fn=dict(_base_.batch_random_resize, sizes=train_sizes),
    dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo,
                                   pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, T_max=cosine_epochs, end=max_epochs),
                   _base_.lr_warmup]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
