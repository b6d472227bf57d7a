_base_ = [
    '../../_base_/models/pplcnet_pulc.py', '../../_base_/datasets/pulc_paddleclas_list.py',
    '../../_base_/default_runtime_cls.py'
]
# PULC text_image_orientation: the rotation of an image of text, 0/90/180/270 degrees
# (PaddleClas 2.6 ppcls/configs/PULC/text_image_orientation/PPLCNet_x1_0.yaml: Arch, Infer
# transforms, CELoss with epsilon 0.1, top-2 post-processing as deploy/configs has it;
# ppcls/utils/PULC_label_list/text_image_orientation_label_list.txt).

# ==================== parameters that often need to be modified ====================
data_root = 'data/pulc/text_image_orientation/'  # PaddleClas' dataset/text_image_orientation
ann_file = 'test_list.txt'  # the yaml's Eval list
# ====================================================================================
classes = ('0', '90', '180', '270')

data_preprocessor = dict(num_classes=len(classes))
model = dict(head=dict(
    num_classes=len(classes),
    loss=dict(_delete_=True, type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    topk=(1, 2)))
test_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file=ann_file, metainfo=dict(classes=classes)))
test_evaluator = dict(topk=(1, 2))
