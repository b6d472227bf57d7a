# PicoDet v2 S at 416 on COCO-2017: PaddleDetection's configs/picodet/picodet_s_416_coco_lcnet.yml
# at 666f597fd0 (its 416 reader: training sizes 352-480): 32.5 mAP(0.5:0.95), 1.18M params in
# its model zoo. 48 images per GPU x 4, lr 0.24, 300 epochs. The race against Paddle Inference
# in docs/benchmarks.md uses this model.
_base_ = './picodet-v2_s_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
input_size = 416
batch_size = 48
base_lr = 0.24
# From scratch instead of the ImageNet backbone: --cfg-options model.backbone.init_cfg=None
# ----------------------------------------------------------------------------

# Derived as in picodet-v2_s_320_coco.py, for the new input size.
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(batch_size=batch_size, collate_fn=dict(sizes=train_sizes))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=4 * batch_size)
