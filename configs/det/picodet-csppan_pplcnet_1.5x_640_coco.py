# The later PicoDet (CSP-PAN, SimOTA, VFL; arXiv 2111.00902) with PP-LCNet 1.5x at 640 on
# COCO-2017: PaddleDetection's configs/picodet/legacy_model/more_config/
# picodet_lcnet_1_5x_640_coco.yml (at HEAD 666f597fd0, first published in 6c61979146,
# 2022-03-21): 40.6 mAP in its model zoo. Against the 416 model: neck and head 160 channels,
# the 640 reader (one random square size in 576-704 per batch; bicubic evaluation at 640x640),
# 24 images per GPU x 4 at lr 0.2; the rest (300 epochs of cosine, warm-up, weight decay 4e-5,
# EMA with cycle_epoch 40) is picodet-csppan_pplcnet_1.5x_coco.py's.
_base_ = './picodet-csppan_pplcnet_1.5x_coco.py'

# ---------------- parameters that often need to be modified ----------------
batch_size = 24  # per GPU; PaddleDetection trains on 4 GPUs: 96 (see auto_scale_lr)
base_lr = 0.2  # for a total batch of 96
input_size = 640  # evaluation size; training draws one of 576..704 per batch
channels = 160  # CSP-PAN and head width (CSPPAN out_channels, PicoFeat feat_in/feat_out)
# ImageNet backbone weights: `pretrained` of picodet-csppan_pplcnet_1.5x_coco.py; to train from
# scratch instead: --cfg-options model.backbone.init_cfg=None
# ----------------------------------------------------------------------------

model = dict(
    neck=dict(out_channels=channels),
    bbox_head=dict(in_channels=channels, feat_channels=channels))
# training: one of 576..704 per batch (the 640 reader's BatchRandomResize); evaluation at 640
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t['type'] == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=batch_size, collate_fn=dict(sizes=train_sizes))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# PaddleDetection's CosineDecay from bba88f6791 (2021-11-17), before this recipe: the cosine
# starts at the full lr when the warm-up ends (the warm-up listed last sets the values it owns)
param_scheduler = [dict(_base_.lr_cosine, end=_base_.max_epochs,
                        warmup_iters=_base_.warmup_iters),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
