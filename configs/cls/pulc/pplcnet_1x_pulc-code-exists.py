_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC code_exists: is there a QR code, bar code or mini-program code in the image (PaddleClas
# 2.6 ppcls/configs/PULC/code_exists/PPLCNet_x1_0.yaml: Arch, Infer transforms; post-processing
# of deploy/configs/PULC/code_exists/inference_code_exists.yaml).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/code_exists/'  # PaddleClas' dataset/code_exists
ann_file = 'val_list.txt'
# ThreshOutput: "contains_code" when its probability reaches the threshold (0.5 in both the
# training yaml's Infer section and deploy/configs)
threshold = 0.5
# ====================================================================================
classes = ('no_code', 'contains_code')  # ThreshOutput's label_0, label_1

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(num_classes=len(classes), postprocess=dict(
    type='ThreshOutput', threshold=threshold, label_0=classes[0], label_1=classes[1])))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
