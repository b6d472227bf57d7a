_base_ = [
    '../../_base_/models/pplcnet_pulc_multilabel.py',
    '../../_base_/datasets/pulc_paddleclas_list_multilabel.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC table_attribute: 6 properties of a photographed or scanned table (PaddleClas 2.6
# ppcls/configs/PULC/table_attribute/PPLCNet_x1_0.yaml: Arch, Infer transforms (a plain resize
# to 224x224), TableAttribute post-processing as the yaml and deploy/configs set it).
# Multi-label (sigmoid).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/table_attribute/'  # PaddleClas' dataset/table_attribute
ann_file = 'val_list.txt'
postprocess = dict(type='TableAttribute', source_threshold=0.5, number_threshold=0.5,
                   color_threshold=0.5, clarity_threshold=0.5, obstruction_threshold=0.5,
                   angle_threshold=0.5)
# ====================================================================================
# each output's property when above its threshold (pplc_vision TableAttribute.ATTRIBUTES)
classes = ('Scanned', 'Little', 'Black-and-White', 'Clear', 'Without-Obstacles', 'Horizontal')
input_size = (224, 224)  # (w, h): PaddleClas' ResizeImage size [224, 224]

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(num_classes=len(classes), postprocess=postprocess))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size),
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file=ann_file,
                                    metainfo=dict(classes=classes), pipeline=test_pipeline))
