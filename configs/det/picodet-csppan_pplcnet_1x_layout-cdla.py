# PP-Structure's Chinese layout detector: the PubLayNet layout PicoDet-LCNet-1x
# (picodet-csppan_pplcnet_1x_layout-publaynet.py, 800x608) on CDLA's 10 region classes, in
# PaddleOCR's ppocr/utils/dict/layout_dict/layout_cdla_dict.txt order, as PaddleOCR releases it
# (picodet_lcnet_x1_0_fgd_layout_cdla). Class count and recipe: PaddleDetection's
# configs/picodet/legacy_model/application/layout_analysis/picodet_lcnet_cdla_layout.yml (at HEAD
# 666f597fd0; added in 7d341b1825, 2024-08-21, after the release): `num_classes: 11` (one more
# output than CDLA's categories; PaddleOCR names 10, so the 11th never has a category: it is
# named 'class10' here), lr 0.4 with 150 epochs of cosine, 12 images per GPU. A released
# checkpoint with another class count is refused by the converter, naming the count: set
# `num_classes` below to it.
_base_ = './picodet-csppan_pplcnet_1x_layout-publaynet.py'

# ---------------- parameters that often need to be modified ----------------
data_root = 'data/cdla/'  # PaddleDetection's dataset/cdla: {train,val}.json, images
num_classes = 11  # the yaml's; CDLA has 10 categories
batch_size = 12  # per GPU; x 4 GPUs = 48 (see auto_scale_lr)
max_epochs = 150
# ----------------------------------------------------------------------------

cdla_classes = ('text', 'title', 'figure', 'figure_caption', 'table', 'table_caption', 'header',
                'footer', 'reference', 'equation')
# outputs beyond CDLA's categories are named by index, as the predictor names unnamed classes
classes = (cdla_classes + tuple(f'class{i}' for i in range(10, num_classes)))[:num_classes]
model = dict(bbox_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(data_root=data_root, metainfo=dict(classes=classes)))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=dict(classes=classes)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs)
# PaddleDetection's CosineDecay from bba88f6791 (2021-11-17), before this recipe: the cosine
# starts at the full lr when the warm-up ends (the warm-up listed last sets the values it owns)
param_scheduler = [dict(_base_.lr_cosine, end=max_epochs, warmup_iters=_base_.warmup_iters),
                   dict(_base_.lr_warmup, end=_base_.warmup_iters)]
auto_scale_lr = dict(base_batch_size=4 * batch_size)
