# PicoDet 2021.09 (the detector of the PP-LCNet paper, Table 4) with a PP-LCNet 1x backbone, as
# PaddleDetection's configs/picodet/_base_/picodet_mobilenetv3.yml builds it at 35388eb7d4
# (2021-08-27; the same at b1186bc822, 2021-09-06) with another backbone: light PAN neck (1x1
# laterals, bilinear up/down adds, strides 8/16/32), the PicoHead/PicoFeat GFL head (per-level
# towers of 2 x [dw 5x5, pw 1x1], BN + LeakyReLU 0.1, reg_max 7), ATSS, QFL/GIoU/DFL, NMS.
# Neck and head width: 128 (`channels` below), not 96. The paper's training numbers (lr 0.3,
# batch 56 x 4, 280 epochs, weight decay 1e-4) are exactly those of picodet_m_mbv3_416_coco.yml
# at 35388eb7d4 (see _base_/schedules/picodet_280e.py), whose model file sets PAN out_channel and
# PicoFeat feat_out 128; Table 4 compares backbones inside one detector, and its MobileNetV3 rows
# have no other upstream model. The 96 of b1186bc822's first LCNet configs
# (picodet_s_lcnet_416_coco.yml, picodet_xs_lcnet_320_coco.yml) comes from the PicoDet-S base
# they inherit (_base_/picodet_shufflenetv2_1x.yml) and goes with another recipe (lr 0.4, batch
# 80, 300 epochs, weight decay 4e-5) than the paper's text. Table 4 gives no parameter or FLOP
# counts that could tell the widths apart.
widen_factor = 1.0  # PP-LCNet width multiplier
channels = 128  # neck and head width
model = dict(
    type='GFL',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        # one training size (35388eb7d4's reader); the later reader's per-batch random size is
        # coco_detection_picodet.py's `batch_random_resize` (the train loader's collate_fn)
        batch_augments=None),
    backbone=dict(type='PPLCNet', widen_factor=widen_factor, out_indices=(2, 3, 4)),
    # in_channels: the backbone's out_channels at out_indices (2, 3, 4), blocks4/5/6, at width
    # 1; the neck scales them with the backbone's widen_factor as PP-LCNet does
    neck=dict(type='PicoPAN', in_channels=(128, 256, 512), widen_factor=widen_factor,
              out_channels=channels),
    bbox_head=dict(
        type='PicoGFLHead',
        num_classes=80,
        in_channels=channels,
        feat_channels=channels,
        stacked_convs=2,
        kernel_size=5,
        share_towers=False,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.1),
        reg_max=7,
        anchor_generator=dict(
            type='AnchorGenerator',
            ratios=[1.0],
            octave_base_scale=5,
            scales_per_octave=1,
            strides=[8, 16, 32],
            center_offset=0.5),
        loss_cls=dict(type='QualityFocalLoss', use_sigmoid=True, beta=2.0, loss_weight=1.0),
        loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.25),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(type='ATSSAssigner', topk=9),
        allowed_border=-1,
        pos_weight=-1,
        debug=False),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.025,
        nms=dict(type='nms', iou_threshold=0.6),
        max_per_img=100))
