_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC clarity_assessment: is the image clear or blurred (PaddleClas 2.6
# ppcls/configs/PULC/clarity_assessment/PPLCNet_x1_0.yaml: Arch with use_last_conv False (the FC
# reads the 512 pooled features, no dropout), Infer transforms, CELoss with epsilon 0.1;
# post-processing of deploy/configs/PULC/clarity_assessment/inference_clarity_assessment.yaml,
# a ThreshOutput, where the training yaml's Infer section has a top-1).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/blur/'  # PaddleClas' dataset/blur
ann_file = 'val_list.txt'
threshold = 0.5  # ThreshOutput: "blur" when its probability reaches it (deploy/configs)
# ====================================================================================
classes = ('clear', 'blur')  # ThreshOutput's label_0, label_1

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(
    num_classes=len(classes),
    use_last_conv=False,
    loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    postprocess=dict(type='ThreshOutput', threshold=threshold, label_0=classes[0],
                     label_1=classes[1])))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
