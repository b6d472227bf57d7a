# PicoDet 2021.09 (the detector of the PP-LCNet paper, Table 4) with a PP-LCNet 1x backbone.
# Light PAN neck (1x1 laterals, bilinear up/down adds, strides 8/16/32, 128 channels) and the
# PicoDet GFL head (per-level towers of 2 x [dw 5x5, pw 1x1], BN + LeakyReLU 0.1, reg_max 7).
widen_factor = 1.0  # PP-LCNet width multiplier
model = dict(
    type='GFL',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        # training only: one random square size per batch in 352, 384, ..., 480
        batch_augments=[
            dict(type='BatchSyncRandomResize', random_size_range=(352, 480),
                 size_divisor=32, interval=1)
        ]),
    backbone=dict(type='PPLCNet', widen_factor=widen_factor, out_indices=(2, 3, 4)),
    # the backbone's out_channels at out_indices (2, 3, 4), blocks4/5/6: PP-LCNet rounds
    # c * widen_factor to a multiple of 8, which int() gives exactly for the widths 0.25 to 2.5
    # except 0.35
    neck=dict(type='PicoPAN', in_channels=[int(c * widen_factor) for c in (128, 256, 512)],
              out_channels=128),
    bbox_head=dict(
        type='PicoGFLHead',
        num_classes=80,
        in_channels=128,
        feat_channels=128,
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
