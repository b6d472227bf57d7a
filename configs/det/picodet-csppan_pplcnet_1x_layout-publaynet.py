# PP-Structure's English layout detector: the later PicoDet (CSP-PAN, SimOTA, VFL) with PP-LCNet
# 1x on PubLayNet's 5 region classes (text, title, list, table, figure, in PaddleOCR's
# ppocr/utils/dict/layout_dict/layout_publaynet_dict.txt order) at 800x608 (h x w), as
# PaddleDetection's configs/picodet/legacy_model/application/layout_analysis/
# picodet_lcnet_x1_0_layout.yml (at HEAD 666f597fd0; added in 20037620e4, 2022-08-19) trains it
# and PaddleOCR's PP-Structure runs it (layout_analysis/README.md: picodet_lcnet_x1_0_layout
# 93.5 mAP@0.5; picodet_lcnet_x1_0_fgd_layout, the same network distilled with FGD from
# picodet_lcnet_x2_5_layout.yml, 94.0). Recipe:
# _base_/optimizer_100e.yml (lr 0.4, 100 epochs of cosine, warm-up 300 iterations from 0.1,
# weight decay 4e-5), 24 images per GPU, one of 768x576, 800x608, 832x640 (h x w) per batch,
# bicubic evaluation at 800x608, EMA with cycle_epoch 10. Its `PicoDet: nms_cpu: True` only
# chooses the device of Paddle's NMS.
_base_ = './picodet-csppan_pplcnet_1x_coco.py'

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/publaynet/'  # PaddleDetection's dataset/publaynet: {train,val}.json, images
classes = ('text', 'title', 'list', 'table', 'figure')
batch_size = 24  # per GPU; x 4 GPUs = 96 (see auto_scale_lr)
base_lr = 0.4  # for a total batch of 96
max_epochs = 100
input_size = (608, 800)  # (w, h) of evaluation: PaddleDetection's target_size [800, 608]
# ----------------------------------------------------------------------------

num_classes = len(classes)
# (`_delete_`: the COCO config's dataset metainfo is None, COCO's own classes)
model = dict(
    bbox_head=dict(num_classes=num_classes))
# one of 768x576, 800x608, 832x640 (h x w) and of five interpolations per batch (upstream's
# BatchRandomResize with these target sizes, not keeping the ratio)
train_sizes = [(768, 576), (800, 608), (832, 640)]
test_pipeline = [dict(t, scale=input_size) if t['type'] == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(
    batch_size=batch_size, collate_fn=dict(sizes=train_sizes),
    dataset=dict(data_root=data_root, ann_file='train.json', data_prefix=dict(img='train/'),
                 metainfo=dict(_delete_=True, classes=classes)))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='val.json', data_prefix=dict(img='val/'),
                 metainfo=dict(_delete_=True, classes=classes), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=1)  # snapshot_epoch 1
# PaddleDetection's CosineDecay from bba88f6791 (2021-11-17), before this recipe: the cosine
# starts at the full lr when the warm-up ends (the warm-up listed last sets the values it owns)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs, warmup_iters=_base_.warmup_iters),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
custom_hooks = [dict(h, reset_interval=10) if h['type'] == 'PeriodicResetEMAHook' else h
                for h in _base_.custom_hooks]  # cycle_epoch 10
