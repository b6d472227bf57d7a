# PicoDet v2 L at 416 on COCO-2017: PaddleDetection's configs/picodet/picodet_l_416_coco_lcnet.yml
# at 666f597fd0 (its 416 reader: training sizes 352-480): 39.4 mAP(0.5:0.95), 5.80M params in its
# model zoo. The L-320 model and recipe at 416 (24 images per GPU x 4, lr 0.12, `epoch: 250` of
# a 300-epoch cosine, upstream's file as it is).
_base_ = './picodet-v2_l_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
input_size = 416
# From scratch instead of the ImageNet backbone: --cfg-options model.backbone.init_cfg=None
# ----------------------------------------------------------------------------

# Derived as in picodet-v2_s_320_coco.py, for the new input size.
train_sizes = list(range(input_size - 64, input_size + 65, 32))
test_pipeline = [dict(t, scale=(input_size, input_size)) if t.type == 'Resize' else t
                 for t in _base_.test_pipeline]
train_dataloader = dict(collate_fn=dict(sizes=train_sizes))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
