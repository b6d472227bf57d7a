_base_ = '../pplcnet_1x_in1k.py'
# PP-LCNet-1x distilled SSLD-style (paper Table 2, the * rows; PaddleClas PPLCNet_x1_0_ssld.yaml):
# the student learns a frozen teacher's soft labels only (no ground truth: gt_weight = 0), so any
# extra unlabelled images can join the training set (see the end of this file). Checkpoints hold
# the student only: evaluate them with configs/cls/pplcnet_1x_in1k.py.
#
# Teacher: PaddleClas distils PP-LCNet from ResNet50_vd trained with SSLD (82.4% top-1). Its
# architecture is mmpretrain's ResNetV1d-50; mmpretrain's own ImageNet checkpoint of it (77.54%,
# download it from the Weights URL in mmpretrain's configs/resnet/metafile.yml; code never
# downloads) is the default. A stronger mmpretrain teacher: 'mmpretrain::resnet/
# resnet50_8xb256-rsb-a1-600e_in1k.py' with resnet50_8xb256-rsb-a1-600e_in1k_20211228-20e21305.pth
# (80.12%). The teacher must have the student's number of classes.

# ==================== parameters that often need to be modified ====================
teacher_config = 'mmpretrain::resnet/resnetv1d50_8xb32_in1k.py'  # any mmpretrain classifier
teacher_checkpoint = 'checkpoints/resnetv1d50_b32x8_imagenet_20210531-db14775a.pth'
temperature = 1.0  # softmax temperature of the KL term (loss scaled by T^2)
gt_weight = 0.0  # > 0 adds the student's own loss on labelled samples (SSLD: 0)
data_root = 'data/imagenet/'  # ImageNet-1k folder layout, see data/README.md
base_lr = 0.8  # for a total batch of 2048 (PaddleClas: 0.4 for 1024)
weight_decay = 1e-05  # PaddleClas PPLCNet_x1_0_ssld.yaml
max_epochs = 200
dropout_rate = 0.0  # PaddleClas PPLCNet_x1_0_ssld.yaml: dropout_prob 0.0
# ====================================================================================

model = dict(
    type='DistillImageClassifier',
    teacher_config=teacher_config,
    teacher_checkpoint=teacher_checkpoint,
    temperature=temperature,
    kd_weight=1.0,
    gt_weight=gt_weight,
    head=dict(dropout_rate=dropout_rate))
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
train_cfg = dict(max_epochs=max_epochs)

# SSLD adds unlabelled images (4M from ImageNet-22k in the paper). With pure distillation, a
# folder of extra images (any sub-folders) joins the labelled set like this; the labels of the
# first set are then unused:
# train_dataloader = dict(dataset=dict(
#     _delete_=True, type='ConcatDataset', datasets=[
#         dict(type='CheckedImageNet', data_root=data_root, split='train',
#              pipeline={{_base_.train_pipeline}}),
#         dict(type='CheckedImageNet', data_root='data/ssld_unlabelled/', data_prefix='images',
#              with_label=False, pipeline={{_base_.train_pipeline}}),
#     ]))
