_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC safety_helmet: does the person wear a safety helmet (PaddleClas 2.6
# ppcls/configs/PULC/safety_helmet/PPLCNet_x1_0.yaml: Arch, Infer transforms, CELoss with
# epsilon 0.1; post-processing of deploy/configs/PULC/safety_helmet/inference_safety_helmet.yaml).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/safety_helmet/'  # PaddleClas' dataset/safety_helmet
ann_file = 'val_list.txt'
# ThreshOutput: "unwearing_helmet" when its probability reaches the threshold (0.5 in both the
# training yaml's Infer section and deploy/configs)
threshold = 0.5
# ====================================================================================
classes = ('wearing_helmet', 'unwearing_helmet')  # ThreshOutput's label_0, label_1

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(
    num_classes=len(classes),
    loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    postprocess=dict(type='ThreshOutput', threshold=threshold, label_0=classes[0],
                     label_1=classes[1])))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
