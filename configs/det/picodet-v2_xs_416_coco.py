# PicoDet v2 XS at 416 on COCO-2017: PaddleDetection's configs/picodet/picodet_xs_416_coco_lcnet.yml
# at 666f597fd0 (its 416 reader: training sizes 352-480): 26.2 mAP(0.5:0.95), 0.70M params in its
# model zoo. The XS-320 model and recipe at 416, with 56 images per GPU x 4 and lr 0.28.
_base_ = './picodet-v2_xs_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
input_size = 416
batch_size = 56
base_lr = 0.28
# From scratch instead of the ImageNet backbone: --cfg-options model.backbone.init_cfg=None
# ----------------------------------------------------------------------------

# Derived as in picodet-v2_s_320_coco.py, for the new input size and batch.
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=batch_size, collate_fn=dict(sizes=train_sizes))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
