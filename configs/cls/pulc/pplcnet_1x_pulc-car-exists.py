_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC car_exists: is there a car in the image (PaddleClas 2.6
# ppcls/configs/PULC/car_exists/PPLCNet_x1_0.yaml: Arch, Infer transforms; post-processing of
# deploy/configs/PULC/car_exists/inference_car_exists.yaml).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/car_exists/'  # PaddleClas' dataset/car_exists
ann_file = 'val_list.txt'
# ThreshOutput: "contains_car" when its probability reaches the threshold. PaddleClas'
# deployment (deploy/configs) uses 0.5; the training yaml's Infer section 0.9.
threshold = 0.5
# ====================================================================================
classes = ('no_car', 'contains_car')  # ThreshOutput's label_0, label_1

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(num_classes=len(classes), postprocess=dict(
    type='ThreshOutput', threshold=threshold, label_0=classes[0], label_1=classes[1])))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
