_base_ = [
    '../_base_/models/pplcnet_cls.py',
    '../_base_/datasets/fashion_mnist_bs64_64px.py',
    '../_base_/schedules/imagenet_pplcnet_360e.py',
    '../_base_/default_runtime_cls.py',
]
# PP-LCNet-0.5x trained from scratch on the full Fashion-MNIST (60,000 train / 10,000 test, real
# images) at 64x64 on a CPU: the real-data run of docs/benchmarks.md. The recipe is the paper's
# (SGD + momentum, linear warm-up then cosine, label smoothing 0.1, no decay on BN) scaled to one
# CPU: batch 64, 12 epochs.
#   python tools/train.py configs/cls/pplcnet_0.5x_fashion-mnist.py
#   python tools/test.py configs/cls/pplcnet_0.5x_fashion-mnist.py work_dirs/.../epoch_12.pth

# ==================== parameters that often need to be modified ====================
data_root = '/usr/share/datasets/fashion-mnist'  # the four *-ubyte[.gz] IDX files
widen_factor = 0.5  # width multiplier of the backbone
num_classes = 10
train_batch_size_per_gpu = 64
train_num_workers = 1
base_lr = 0.1  # for a total batch of 64
weight_decay = 5e-5
max_epochs = 12
warmup_epochs = 1
load_from = None
# ====================================================================================
model = dict(backbone=dict(widen_factor=widen_factor),
             head=dict(widen_factor=widen_factor, num_classes=num_classes))
data_preprocessor = dict(num_classes=num_classes)
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=train_num_workers,
    dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=train_num_workers, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=base_lr, weight_decay=weight_decay))
param_scheduler = [dict(_base_.lr_warmup, start_factor=0.01, end=warmup_epochs),
                   dict(_base_.lr_cosine, begin=warmup_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
auto_scale_lr = dict(base_batch_size=train_batch_size_per_gpu)

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best='auto'))
randomness = dict(seed=0)
