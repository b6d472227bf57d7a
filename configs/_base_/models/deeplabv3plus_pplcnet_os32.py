# DeepLabV3+ at output stride 32 (paper section 4.4, Table 5): mmseg's EncoderDecoder with its
# DepthwiseSeparableASPPHead. The backbone is not dilated (PaddleSeg's PP-LCNet has no dilation):
# the ASPP runs on the stride-32 stage (blocks6) and the decoder takes the low-level feature
# from the stride-4 stage (blocks3). Leaf configs set the backbone's widen_factor and recompute
# the head's two input channels from it (PP-LCNet's make_divisible(c * widen_factor, 8), which
# int() gives exactly for the widths 0.25 to 2.5 except 0.35).

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
        # converted ImageNet weights (tools/model_converters/paddle2pplcnet.py --backbone-only):
        # init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint='checkpoints/...pth')
    ),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=int(512 * widen_factor),  # stride-32 channels of the backbone
        in_index=1,  # ASPP input: the second backbone output; the low-level one is inputs[0]
        channels=256,  # ASPP and decoder width (PaddleSeg's 256)
        # Rates at OS32: PaddleSeg's default (1, 6, 12, 18) was set for OS8/16. At OS32 the
        # 1024x512 training crop gives a 32x16 feature map, so rates 12 and 18 put most taps
        # (all vertical ones for 18) into zero padding during training while they see real
        # context on the 64x32 map of the 2048x1024 test image. Halving the OS16 rates keeps
        # their field of view in pixels and stays inside the crop. Rates change no params/MACs;
        # use (1, 6, 12, 18) for the closest copy of PaddleSeg's (unstated) setting.
        dilations=(1, 3, 6, 9),
        c1_in_channels=int(64 * widen_factor),  # stride-4 channels of the backbone
        c1_channels=48,  # low-level projection (PaddleSeg's 48)
        dropout_ratio=0.1,
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
