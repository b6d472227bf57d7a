# PicoDet v2 (PaddleDetection since 2022) as configs/picodet/_base_/picodet_v2.yml builds it at
# PaddleDetection 666f597fd0: LCNet 1.5x (feature maps 3, 4, 5: strides 8, 16, 32), LCPAN (128
# channels, depthwise 5x5 PP-LCNet blocks, hard-swish, an extra stride-64 level), PicoHeadV2 with
# PicoFeat (4 depthwise-separable blocks per level, SE, shared by classification and regression),
# an alignment branch, scores sqrt(sigmoid(cls) * sigmoid(align)), reg_max 7, cell offset 0.5,
# grid_cell_scale 5; ATSS (top-k 9) for static_assigner_epoch = 100 epochs, then
# TaskAlignedAssigner (top-k 13, alpha 1, beta 6); VarifocalLoss on probabilities
# (use_sigmoid: False, iou_weighted) 1.0, DistributionFocalLoss 0.5, GIoULoss 2.5;
# MultiClassNMS (1000 per class above 0.025, IoU 0.6, 100 kept). These are PicoDet-M's values
# (picodet_m_*_coco_lcnet.yml only change the reader and the schedule); the XS/S/L configs set
# the width, the channels and the tower depth.
widen_factor = 1.5  # PP-LCNet width multiplier (upstream LCNet.scale)
channels = 128  # LCPAN and head width
stacked_convs = 4  # depthwise-separable blocks per head tower (PicoFeat.num_convs)
static_assigner_epoch = 100  # epochs with ATSS before the task-aligned assigner
model = dict(
    type='GFL',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        batch_augments=None),
    backbone=dict(type='PPLCNet', widen_factor=widen_factor, out_indices=(2, 3, 4)),
    # in_channels: the backbone's out_channels at out_indices (2, 3, 4), blocks4/5/6, at width
    # 1; the neck scales them with the backbone's widen_factor as PP-LCNet does
    neck=dict(type='LCPAN', in_channels=[128, 256, 512], widen_factor=widen_factor,
              out_channels=channels, kernel_size=5, extra_level=True),
    bbox_head=dict(
        type='PicoHeadV2',
        num_classes=80,
        in_channels=channels,
        feat_channels=channels,
        stacked_convs=stacked_convs,
        kernel_size=5,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='HSwish'),
        reg_max=7,
        anchor_generator=dict(
            type='AnchorGenerator',
            ratios=[1.0],
            octave_base_scale=5,  # grid_cell_scale
            scales_per_octave=1,
            strides=[8, 16, 32, 64],
            center_offset=0.5),
        loss_cls=dict(type='QualityVarifocalLoss', use_sigmoid=True, activated=True,
                      alpha=0.75, gamma=2.0, iou_weighted=True, loss_weight=1.0),
        loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.5),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.5)),
    train_cfg=dict(
        initial_epoch=static_assigner_epoch,
        initial_assigner=dict(type='PicoATSSAssigner', topk=9),
        assigner=dict(type='PicoTaskAlignedAssigner', topk=13, alpha=1.0, beta=6.0)),
    # PaddleDetection's post-processing (PicoHeadV2.post_process + MultiClassNMS): per class the
    # 1000 best scores above 0.025 over all levels, boxes not clipped, class-wise NMS at IoU
    # 0.6, 100 kept. Converted PaddleDetection weights give PaddleDetection's detections.
    test_cfg=dict(nms_pre=1000, nms_pre_per_class=True, clip_boxes=False, min_bbox_size=-1,
                  score_thr=0.025, nms=dict(type='nms', iou_threshold=0.6), max_per_img=100))
