_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC image_orientation: the rotation of a photo, 0/90/180/270 degrees (PaddleClas 2.6
# ppcls/configs/PULC/image_orientation/PPLCNet_x1_0.yaml: Arch with use_last_conv False (the FC
# reads the 512 pooled features, no dropout), Infer transforms and top-1 post-processing,
# CELoss with epsilon 0.1; ppcls/utils/PULC_label_list/image_orientation_label_list.txt). It
# has no deploy/configs entry.

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/OrientationDataset/'  # PaddleClas' dataset/OrientationDataset
ann_file = 'val_list.txt'
# ====================================================================================
classes = ('0°', '90°', '180°', '270°')

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(
    num_classes=len(classes),
    use_last_conv=False,
    loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
