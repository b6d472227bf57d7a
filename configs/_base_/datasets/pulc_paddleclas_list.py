# A PULC task's evaluation data as PaddleClas prepares it: images under `data_root` (PaddleClas'
# `image_root`, dataset/<task>/) listed with their labels in `ann_file` (its `cls_label_path`,
# read by the PaddleClasList dataset). Pre-processing is each task's `Infer` transforms of
# PaddleClas 2.6 (DecodeImage to RGB, then resizes, NormalizeImage with ImageNet's mean/std);
# the default is the resize of the short side to 256 and the 224 centre crop, with PaddleClas'
# own rounding (PaddleClasResizeShort, PaddleClasCenterCrop). Leaf configs that change the
# pipeline pass it to the dataset again (mmengine evaluates each config file on its own).
# Evaluation only (tools/test.py, the inferencers, the predictor): PaddleClas' training recipes
# (TimmAutoAugment, RandomErasing, distillation) are not reproduced here.
dataset_type = 'PaddleClasList'
data_root = 'data/pulc/'
data_preprocessor = dict(
    num_classes=2,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,  # PaddleClas decodes to RGB; LoadImageFromFile gives BGR
)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PaddleClasResizeShort', scale=256),
    dict(type='PaddleClasCenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='val_list.txt',
                 pipeline=test_pipeline, test_mode=True),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = dict(type='Accuracy', topk=(1, ))
