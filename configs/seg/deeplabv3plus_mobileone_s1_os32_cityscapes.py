_base_ = [
    './deeplabv3plus_pplcnet_1x_os32_cityscapes.py',
    '../_base_/schedules/mobileone_wd_anneal.py',
]
# DeepLabV3+ (OS32) with MobileOne-S1 (mmpretrain's) on Cityscapes: the Table 5 segmenter (same
# head, data, batch and schedule as the PP-LCNet rows; edit data_root etc. in the PP-LCNet-1x
# config or override here) with the other CPU backbone of the seeds. Deployment (ONNX export,
# latency) switches the backbone to its branch-free deploy form by itself and logs it.

# ==================== parameters that often need to be modified ====================
arch = 's1'  # MobileOne s0..s4; change the two channel counts with it (see below)
low_level_channels = 96  # stage1 (stride 4): s0 48, s1 96, s2 96, s3 128, s4 192
aspp_in_channels = 1280  # stage4 (stride 32): s0 1024, s1 1280, s2..s4 2048
# ImageNet weights: an mmpretrain MobileOne checkpoint of the *training* form (keys
# backbone.stage*.branch_*; not a re-parameterised one), e.g. mmpretrain's
# mobileone-s1_8xb32_in1k_20221110-ceeef467.pth, used as it is through init_cfg below.
pretrained = None  # 'checkpoints/mobileone-s1_8xb32_in1k.pth'
anneal_weight_decay = False  # True: MobileOne's cosine weight-decay annealing (to 1/10)
# ====================================================================================

model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileOne',
        arch=arch,
        out_indices=(0, 3),  # stride 4 (low-level) and stride 32 (ASPP)
        norm_cfg=_base_.norm_cfg,  # plain BN: switch_to_deploy() merges BN branches only
    ),
    # MobileOne's widths are its arch table's (no multiplier)
    decode_head=dict(in_channels=(low_level_channels, aspp_in_channels), widen_factor=1.0))
if pretrained is not None:  # replaces MobileOne's default init_cfg (Kaiming, BN weight 1)
    model['backbone']['init_cfg'] = dict(
        type='Pretrained', prefix='backbone.', checkpoint=pretrained)
if anneal_weight_decay:
    param_scheduler = _base_.param_scheduler + [
        dict(_base_.weight_decay_annealing, by_epoch=False, end=_base_.max_iters)]
