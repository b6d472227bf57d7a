_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC language_classification: the script of a text line, 10 classes (PaddleClas 2.6
# ppcls/configs/PULC/language_classification/PPLCNet_x1_0.yaml: Arch with stride_list
# [2, [2, 1], [2, 1], [2, 1], [2, 1]] (blocks3..6 halve the height only; its lr_mult_list only
# trains), Infer transforms (a plain resize to 160x80, no crop), CELoss with epsilon 0.1, top-2
# post-processing as deploy/configs has it;
# ppcls/utils/PULC_label_list/language_classification_label_list.txt).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/language_classification/'  # PaddleClas' dataset/language_classification
ann_file = 'test_list.txt'  # the yaml's Eval list
# ====================================================================================
classes = ('arabic', 'chinese_cht', 'cyrillic', 'devanagari', 'japan', 'ka', 'korean', 'ta',
           'te', 'latin')
input_size = (160, 80)  # (w, h): PaddleClas' ResizeImage size [160, 80]

data_preprocessor = dict(num_classes=len(classes))
model = dict(
    backbone=dict(stride_list=[2, (2, 1), (2, 1), (2, 1), (2, 1)]),
    head=dict(
        num_classes=len(classes),
        loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 2)))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size),
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file=ann_file,
                                    metainfo=dict(classes=classes), pipeline=test_pipeline))
test_evaluator = dict(topk=(1, 2))
