# PicoDet v2 M at 416 on COCO-2017: PaddleDetection's configs/picodet/picodet_m_416_coco_lcnet.yml
# at 666f597fd0 (its 416 reader: training sizes 352-480): 37.5 mAP(0.5:0.95), 3.46M params in its
# model zoo. The M-320 model at 416, with 48 images per GPU x 4 and lr 0.24 (as M-320); `epoch:
# 250` of a cosine that its LearningRate still sets to 300 epochs (upstream's file as it is:
# training stops at lr ~0.016).
_base_ = './picodet-v2_m_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
input_size = 416
max_epochs = 250
cosine_epochs = 300
# From scratch instead of the ImageNet backbone: --cfg-options model.backbone.init_cfg=None
# ----------------------------------------------------------------------------

# Derived as in picodet-v2_s_320_coco.py, for the new input size and schedule.
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(collate_fn=dict(sizes=train_sizes))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, T_max=cosine_epochs, end=max_epochs),
                   _base_.lr_warmup]
