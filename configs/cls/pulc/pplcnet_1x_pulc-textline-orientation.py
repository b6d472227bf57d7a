_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC textline_orientation: is a text line upside down (PaddleClas 2.6
# ppcls/configs/PULC/textline_orientation/PPLCNet_x1_0.yaml: Arch with stride_list
# [2, [2, 1], [2, 1], [2, 1], [2, 1]] (blocks3..6 halve the height only), Infer transforms (a
# plain resize to 160x80, no crop), top-1 post-processing as deploy/configs has it;
# ppcls/utils/PULC_label_list/textline_orientation_label_list.txt).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/textline_orientation/'  # PaddleClas' dataset/textline_orientation
ann_file = 'val_list.txt'
# ====================================================================================
classes = ('0_degree', '180_degree')
input_size = (160, 80)  # (w, h): PaddleClas' ResizeImage size [160, 80]

data_preprocessor = dict(num_classes=len(classes))
model = dict(
    backbone=dict(stride_list=[2, (2, 1), (2, 1), (2, 1), (2, 1)]),
    head=dict(num_classes=len(classes)))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size),
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file=ann_file,
                                    metainfo=dict(classes=classes), pipeline=test_pipeline))
