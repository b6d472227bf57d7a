_base_ = [
    '../_base_/models/pplcnet_cls.py',
    '../_base_/datasets/imagenet_bs256_pplcnet.py',
    '../_base_/schedules/imagenet_pplcnet_360e.py',
    '../_base_/default_runtime_cls.py',
]
# PP-LCNet-1x on ImageNet-1k (paper Table 2; PaddleClas PPLCNet_x1_0.yaml).

# ==================== parameters that often need to be modified ====================
data_root = 'data/imagenet/'  # ImageNet-1k folder layout, see data/README.md
widen_factor = 1.0  # width multiplier of the backbone
train_batch_size_per_gpu = 256  # x 8 GPUs = 2048, the paper's batch (see --auto-scale-lr)
train_num_workers = 8
base_lr = 0.8  # for a total batch of 2048
weight_decay = 3e-05  # PaddleClas: 3e-5 for 0.25x..1x
max_epochs = 360
# Converted PaddleClas weights (tools/model_converters/paddle2pplcnet.py writes an mmengine
# checkpoint with backbone.* and head.* keys), e.g. to evaluate or fine-tune them:
load_from = None  # 'checkpoints/pplcnet_1x_in1k_paddle.pth'
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor), head=dict(widen_factor=widen_factor))
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
train_cfg = dict(max_epochs=max_epochs)
