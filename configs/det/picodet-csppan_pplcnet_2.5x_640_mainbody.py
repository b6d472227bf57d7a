# PP-ShiTu's mainbody detector: the later PicoDet (CSP-PAN, SimOTA, VFL) with PP-LCNet 2.5x at 640,
# one class ("foreground": every object of Objects365, COCO, iCartoonFace, LogoDet-3k and RPC
# relabelled to it), as released (picodet_lcnet_x2_5_640_mainbody.pdparams, 41.5 mAP in
# PaddleDetection's mainbody_detection/README.md): PaddleDetection's configs/picodet/
# legacy_model/application/mainbody_detection/picodet_lcnet_x2_5_640_mainbody.yml before
# 579254f431 (2023-06-13), which replaced its 1-class dataset with COCO's 80 classes. Recipe:
# _base_/optimizer_100e.yml (lr 0.4, 100 epochs of cosine, warm-up 300 iterations from 0.1,
# weight decay 4e-5), _base_/picodet_640_reader.yml (56 images per GPU, one random square size
# in 576-704 per batch, bicubic evaluation at 640x640), EMA with cycle_epoch 20; neck and head
# 128 channels (_base_/picodet_esnet.yml). PP-ShiTu keeps the boxes above 0.2, 5 at most
# (deploy/configs/inference_general.yaml of PaddleClas); test_cfg here is the model's own
# MultiClassNMS (0.025, IoU 0.6, 100 kept).
_base_ = './picodet-csppan_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/mainbody/'  # PaddleDetection's dataset/mainbody: train.json, val.json, images
classes = ('foreground', )
batch_size = 56  # per GPU (picodet_640_reader.yml); x 4 GPUs = 224 (see auto_scale_lr)
base_lr = 0.4  # for a total batch of 224
max_epochs = 100
input_size = 640  # evaluation size; training draws one of 576..704 per batch
widen_factor = 2.5  # PP-LCNet width multiplier
# ImageNet weights (LCNet_x2_5_ssld_pretrained.pdparams: PaddleClas' PPLCNet_x2_5_ssld_pretrained
# .pdparams converted by `pretrained_command`); None trains from scratch
pretrained = 'checkpoints/pplcnet_2.5x_ssld_in1k_backbone.pth'
pretrained_command = ('python tools/model_converters/paddle2pplcnet.py '
                      f'PPLCNet_x2_5_ssld_pretrained.pdparams {pretrained} --backbone-only')
# ----------------------------------------------------------------------------

num_classes = len(classes)
# (`_delete_` below: the COCO config's dataset metainfo is None, COCO's own classes)
model = dict(
    backbone=dict(
        widen_factor=widen_factor,
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    neck=dict(widen_factor=widen_factor),  # the backbone's: its out_channels scale with it
    bbox_head=dict(num_classes=num_classes))
train_sizes = list(range(input_size - 64, input_size + 65, 32))  # one of 576..704 per batch
test_pipeline = [dict(t, scale=(input_size, input_size)) if t['type'] == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(
    batch_size=batch_size, collate_fn=dict(sizes=train_sizes),
    dataset=dict(data_root=data_root, ann_file='train.json', data_prefix=dict(img=''),
                 metainfo=dict(_delete_=True, classes=classes)))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='val.json', data_prefix=dict(img=''),
                 metainfo=dict(_delete_=True, classes=classes), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=2)  # snapshot_epoch 2
# PaddleDetection's CosineDecay from bba88f6791 (2021-11-17), before this recipe: the cosine
# starts at the full lr when the warm-up ends (the warm-up listed last sets the values it owns)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs, warmup_iters=_base_.warmup_iters),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
custom_hooks = [dict(h, reset_interval=20) if h['type'] == 'PeriodicResetEMAHook' else h
                for h in _base_.custom_hooks]  # cycle_epoch 20
