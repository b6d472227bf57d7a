# DeepLabV3+ at output stride 32 (paper section 4.4, Table 5) as the paper's code builds it:
# PaddleSeg's DeepLabV3P (paddleseg/models/deeplab.py, PAPER.md "Table 5"), i.e. mmseg's
# EncoderDecoder with PaddleSegDeepLabV3PlusHead, PaddleSeg's DeepLabV3PHead (mmseg's
# DepthwiseSeparableASPPHead is a larger head: a 3x3 bottleneck after the ASPP concat, ReLU after
# each depthwise conv, dropout before the classifier). The backbone is not dilated (PaddleSeg's
# PP-LCNet has no dilation): the ASPP runs on the stride-32 stage (blocks6) and the decoder takes
# the low-level feature from the stride-4 stage (blocks3). Leaf configs set the backbone's
# widen_factor and hand it to the head, which scales its two input channels with it as the
# backbone scales its stages (make_divisible(c * widen_factor, 8)).

# Plain BN: default_runtime_seg.py sets `sync_bn = 'torch'`, which mmengine's Runner applies
# only when training is distributed (tools/train.py --launcher pytorch|slurm|mpi); a single
# process (CPU or one GPU) keeps BN.
norm_cfg = dict(type='BN', requires_grad=True)
widen_factor = 1.0  # PP-LCNet width multiplier
data_preprocessor = dict(
    type='SegDataPreProcessor',
    # PaddleSeg normalises with mean = std = 0.5 on 0..1 data (127.5 on 0..255), not ImageNet's
    # statistics; converted PaddleClas backbones were trained on RGB.
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='PPLCNet',
        widen_factor=widen_factor,
        out_indices=(1, 4),  # blocks3 (stride 4, low-level) and blocks6 (stride 32, ASPP)
        norm_cfg=norm_cfg,
        # the leaf configs load converted ImageNet weights here, as PaddleSeg trains from them:
        # init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained)
    ),
    decode_head=dict(
        type='PaddleSegDeepLabV3PlusHead',
        # channels of the backbone outputs at width 1: (stride 4 low-level, stride 32 ASPP
        # input), scaled with the backbone's widen_factor
        in_channels=(64, 512),
        widen_factor=widen_factor,
        in_index=(0, 1),  # inputs[0] low-level, inputs[1] ASPP input
        channels=256,  # ASPP and decoder width (PaddleSeg's aspp_out_channels)
        # PaddleSeg's default rates. They were set for OS16 (PaddleSeg: (1, 12, 24, 36) at OS8);
        # the paper states none for OS32 and PaddleSeg publishes no OS32 config, so its default
        # is the closest copy. deeplabv3plus_pplcnet_1x_os32-rates1369_cityscapes.py halves them.
        dilations=(1, 6, 12, 18),
        c1_channels=48,  # low-level projection (PaddleSeg's 48)
        dropout_ratio=0.1,  # after the ASPP projection, as PaddleSeg's ASPPModule
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            # mean over the labelled pixels, as PaddleSeg's CrossEntropyLoss
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0, avg_non_ignore=True),
        ignore_index=255),
    # No auxiliary head: PaddleSeg's DeepLabV3P (the paper's code) has none and the paper's
    # recipe lists none; an FCN head on stride 16 would add training cost and change the recipe.
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
