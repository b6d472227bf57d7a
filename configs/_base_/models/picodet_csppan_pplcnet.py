# The later PicoDet (arXiv 2111.00902, PaddleDetection configs/picodet/legacy_model) with a
# PP-LCNet 1x backbone: CSP-PAN (depthwise 5x5, hard-swish, extra stride-64 level, 128
# channels), 4-block towers (dw 5x5 + pw, hard-swish), SimOTA (VFL + 6 x (1 - GIoU) cost,
# top-k 10, centre radius 2.5), VarifocalLoss 1.0, GIoU 2.0, DFL 0.25.
# Towers: one per level (share_towers=False), as PaddleDetection's PicoFeat builds them; this
# reproduces the published 3.10M parameters of PicoDet-LCNet-1.5x (3.11M here), while one tower
# shared by all levels gives 2.87M. Set share_towers=True for the shared variant.
_base_ = './picodet_pplcnet.py'
model = dict(
    # the PAN's inputs: the backbone's out_channels at width 1 and its widen_factor
    neck=dict(_delete_=True, type='PicoCSPPAN', in_channels=_base_.model.neck.in_channels,
              widen_factor=_base_.widen_factor, out_channels=128, kernel_size=5,
              num_csp_blocks=1, extra_level=True, act_cfg=dict(type='HSwish')),
    bbox_head=dict(
        type='PicoVFLHead',
        stacked_convs=4,
        share_towers=False,
        act_cfg=dict(_delete_=True, type='HSwish'),
        anchor_generator=dict(strides=[8, 16, 32, 64]),
        loss_cls=dict(_delete_=True, type='QualityVarifocalLoss', use_sigmoid=True, alpha=0.75,
                      gamma=2.0, iou_weighted=True, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(_delete_=True, type='PicoSimOTAAssigner', center_radius=2.5,
                      candidate_topk=10, iou_weight=6.0, cls_weight=1.0)),
    # PaddleDetection's post-processing (PicoHead.post_process + MultiClassNMS of
    # picodet_esnet.yml): per class the 1000 best scores above 0.025 over all levels, boxes
    # not clipped to the image, no size filter, class-wise NMS at IoU 0.6, 100 kept. Converted
    # PaddleDetection weights give PaddleDetection's detections with it.
    test_cfg=dict(nms_pre=1000, nms_pre_per_class=True, clip_boxes=False, min_bbox_size=-1,
                  score_thr=0.025, nms=dict(type='nms', iou_threshold=0.6), max_per_img=100))
