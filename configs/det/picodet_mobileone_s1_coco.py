# PicoDet 2021.09 with MobileOne-S1 (mmpretrain's) at 416 on COCO-2017: the Table 4 detector
# (PicoPAN neck, PicoGFL head, recipe of picodet_pplcnet_1x_coco.py) with the other CPU backbone
# of the seeds. Data, batch size, learning rate and schedule come from picodet_pplcnet_1x_coco.py:
# edit them there (or override them here); this file changes only the backbone and the neck input.
# Deployment (tools/deployment/export_onnx.py, tools/analysis_tools/latency.py) switches the
# backbone to its branch-free deploy form by itself and logs it.
_base_ = ['./picodet_pplcnet_1x_coco.py', '../_base_/schedules/mobileone_wd_anneal.py']

# ---------------- parameters that often need to be modified ----------------
# ImageNet weights: an mmpretrain MobileOne checkpoint of the *training* form (keys
# backbone.stage*.branch_*; not a re-parameterised one), e.g. mmpretrain's
# mobileone-s1_8xb32_in1k_20221110-ceeef467.pth, used as it is through init_cfg below.
backbone_checkpoint = None  # e.g. 'checkpoints/mobileone-s1_8xb32_in1k.pth'
backbone = dict(type='MobileOne', arch='s1', out_indices=(1, 2, 3))  # strides 8, 16, 32
neck_in_channels = [192, 512, 1280]  # backbone.out_channels at out_indices
anneal_weight_decay = False  # True: MobileOne's cosine weight-decay annealing (to 1/10)
# ----------------------------------------------------------------------------

model = dict(
    # _delete_: no PPLCNet argument is kept; without a checkpoint MobileOne keeps its own
    # default init_cfg (Kaiming convs, BN weight 1)
    backbone=dict(backbone, _delete_=True, **(dict(
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=backbone_checkpoint))
        if backbone_checkpoint else {})),
    neck=dict(in_channels=neck_in_channels))
if anneal_weight_decay:
    param_scheduler = _base_.param_scheduler + [
        dict(_base_.weight_decay_annealing, by_epoch=True, end=_base_.max_epochs,
             convert_to_iter_based=True)]
