_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC person_exists: is there a person in the image (PaddleClas 2.6
# ppcls/configs/PULC/person_exists/PPLCNet_x1_0.yaml: Arch, Infer transforms; post-processing
# of deploy/configs/PULC/person_exists/inference_person_exists.yaml).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/person_exists/'  # PaddleClas' dataset/person_exists
ann_file = 'val_list.txt'
# ThreshOutput: "someone" when its probability reaches the threshold. PaddleClas' deployment
# (deploy/configs) uses 0.5; the training yaml's Infer section 0.9.
threshold = 0.5
# ====================================================================================
classes = ('nobody', 'someone')  # ThreshOutput's label_0, label_1

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(num_classes=len(classes), postprocess=dict(
    type='ThreshOutput', threshold=threshold, label_0=classes[0], label_1=classes[1])))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
