# PicoDet (PP-LCNet 1x) on the embedded demo set data/demo_coco (2 real photos, 27 boxes, 12
# classes, no download): a short CPU schedule (a few minutes on 2 cores) that memorises the two
# photos. Validation uses the SAME two photos: the mAP shows the pipeline learns, it is not a
# benchmark.
# Every batch holds both photos, unshuffled, at one size and without random augmentation, so
# BatchNorm's running statistics match the batch statistics of training (random pairs of 2
# photos left them apart, and the earlier schedule, 256-384 px random sizes, flips and colour
# changes at lr 0.04, gave mAP@0.5 0.925 in one run and 0.204 in another). Measured with seeds
# 0/1/2: mAP@0.5 0.996/0.989/0.996, ~90 s of training on one CPU thread.
_base_ = './picodet_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/demo_coco/'  # images/*.jpg + annotations.json
classes = None  # None: the categories of annotations.json
num_classes = 12  # the number of categories in annotations.json (or len(classes))
batch_size = 2  # all the photos: the batch statistics are the same at every step
repeat = 10  # batches per epoch
base_lr = 0.1
weight_decay = 4e-5  # the value of the measurements above (the COCO recipe's is 1e-4)
max_epochs = 30
checkpoint_interval = 5  # epochs: a kill loses at most this much (README: always a checkpoint)
warmup_iters = 20
input_size = 416
pretrained = None  # weight-free; converted ImageNet weights (see the 1x config) learn faster
# ----------------------------------------------------------------------------

metainfo = dict(classes=classes) if classes else None
model = dict(
    data_preprocessor=dict(batch_augments=None),
    backbone=dict(
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
        if pretrained else None),
    bbox_head=dict(num_classes=num_classes))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False,
         interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
demo_set = dict(
    type='CocoFileDataset', data_root=data_root, ann_file='annotations.json',
    data_prefix=dict(img='images/'), metainfo=metainfo)
train_dataloader = dict(
    batch_size=batch_size, num_workers=0, persistent_workers=False,
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
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs),
                   dict(_base_.lr_warmup, end=warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=checkpoint_interval, max_keep_ckpts=1))
log_processor = dict(window_size=10)
randomness = dict(seed=0)
# Under DDP (tools/dist_train.sh) BatchNorm statistics are computed over all processes, so the
# batch of 2 photos split over 2 processes trains like one process (on CPU: CPUSyncBatchNorm).
# PaddleDetection's PicoDet configs train with per-GPU BN at 80+ images per GPU; this demo's
# per-process batch of 1 photo needs the synchronised statistics.
sync_bn = 'torch'
