# PicoDet v2 L at 640 on COCO-2017: PaddleDetection's configs/picodet/picodet_l_640_coco_lcnet.yml
# at 666f597fd0 (its 640 reader: training sizes 576-704): 42.6 mAP(0.5:0.95), 5.80M params in its
# model zoo. 12 images per GPU x 4, lr 0.06; `epoch: 200` of a 300-epoch cosine (upstream's file
# as it is: training stops at lr 0.015).
_base_ = './picodet-v2_l_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
input_size = 640
batch_size = 12
base_lr = 0.06
max_epochs = 200
cosine_epochs = 300
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
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [dict(_base_.lr_cosine, T_max=cosine_epochs, end=max_epochs),
                   _base_.lr_warmup]
