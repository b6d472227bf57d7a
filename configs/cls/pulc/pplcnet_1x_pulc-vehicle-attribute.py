_base_ = [
    '../../_base_/models/pplcnet_pulc_multilabel.py',
    '../../_base_/datasets/pulc_paddleclas_list_multilabel.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC vehicle_attribute: colour (10) and type (9) of a vehicle crop, VeRi (PaddleClas 2.6
# ppcls/configs/PULC/vehicle_attribute/PPLCNet_x1_0.yaml: Arch, Infer transforms (a plain resize
# to 256x192, w x h), VehicleAttribute post-processing as the yaml and deploy/configs set it).
# Multi-label (sigmoid).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/VeRi/'  # PaddleClas' dataset/VeRi
ann_file = 'test_list.txt'  # the yaml's Eval list
# VehicleAttribute: a group's best colour or type below its threshold is "unknown"
postprocess = dict(type='VehicleAttribute', color_threshold=0.5, type_threshold=0.5)
# ====================================================================================
# the attribute of each output (pplc_vision VehicleAttribute.ATTRIBUTES)
classes = ('yellow', 'orange', 'green', 'gray', 'red', 'blue', 'white', 'golden', 'brown',
           'black', 'sedan', 'suv', 'van', 'hatchback', 'mpv', 'pickup', 'bus', 'truck',
           'estate')
input_size = (256, 192)  # (w, h): PaddleClas' ResizeImage size [256, 192]

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(num_classes=len(classes), postprocess=postprocess))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=input_size),
    dict(type='PackInputs'),
]
test_dataloader = dict(dataset=dict(data_root=data_root, ann_file=ann_file,
                                    metainfo=dict(classes=classes), pipeline=test_pipeline))
