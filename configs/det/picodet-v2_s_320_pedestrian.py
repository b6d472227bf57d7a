# PicoDet v2 S at 320 for one class, pedestrians (PP-TinyPose's detector): PaddleDetection's
# configs/picodet/application/pedestrian_detection/picodet_s_320_lcnet_pedestrian.yml at
# 666f597fd0: the S-320 COCO model and recipe (64 images per GPU x 4, lr 0.32, 300 epochs, ATSS
# top-k 9 for 100 epochs) trained on AI Challenger keypoint images in COCO format
# (aic_coco_train_cocoformat.json, images under the dataset folder) and evaluated on COCO val2017.
_base_ = './picodet-v2_s_320_coco.py'

# ---------------- parameters that often need to be modified ----------------
classes = ('person', )  # one class; the evaluation reads COCO val2017's person boxes
train_data_root = 'data/aic/'  # upstream dataset_dir `dataset`
train_ann_file = 'aic_coco_train_cocoformat.json'
train_img_prefix = ''  # upstream image_dir ''
data_root = 'data/coco/'  # evaluation: annotations/instances_val2017.json, val2017/*.jpg
# ----------------------------------------------------------------------------

num_classes = len(classes)
metainfo = dict(classes=classes)
model = dict(bbox_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(
    data_root=train_data_root, ann_file=train_ann_file, data_prefix=dict(img=train_img_prefix),
    metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
