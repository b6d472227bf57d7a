_base_ = './deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py'
# Learning on real street frames: the 5 annotated frames of labelme's video example (Debian
# labelme-examples, GPL: installed, never vendored; classes background / car / truck),
# converted to the Cityscapes layout at 512x288 by
#   python tools/dataset_converters/labelme_video2cityscapes.py data/labelme_street --size 512 288
# The PP-LCNet-0.5x DeepLabV3+ (OS32) overfits them from scratch on a CPU in a few minutes
# (whole frames, no crop); it trains and validates on the same frames
# (tests/test_seg/test_labelme_overfit.py checks mIoU >= 70).

# ==================== parameters that often need to be modified ====================
data_root = 'data/labelme_street/'
frame_size = (288, 512)  # (h, w) of the converted frames
train_batch_size_per_gpu = 5  # all five frames in each batch
base_lr = 0.05  # from scratch, batch 5
max_iters = 80
# ====================================================================================

classes = ('background', 'car', 'truck')
metainfo = dict(classes=classes, palette=[[0, 0, 0], [0, 0, 142], [0, 0, 70]])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
model = dict(data_preprocessor=dict(size=frame_size), decode_head=dict(num_classes=len(classes)))
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, metainfo=metainfo, pipeline=test_pipeline,
                 data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [dict(_base_.lr_poly, end=max_iters)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
auto_scale_lr = dict(base_batch_size=train_batch_size_per_gpu)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_iters))
