# PicoDet 2021.09 with MobileOne-S1 (mmpretrain's) at 416 on COCO-2017: the Table 4 detector
# (PicoPAN neck, PicoGFL head, recipe of picodet_pplcnet_1x_coco.py) with the other CPU backbone
# of the seeds. Data, batch size, learning rate and schedule come from picodet_pplcnet_1x_coco.py:
# edit them there (or override them here); this file changes only the backbone and the neck input.
# Deployment (tools/deployment/export_onnx.py, tools/analysis_tools/latency.py) switches the
# backbone to its branch-free deploy form by itself and logs it.
_base_ = ['./picodet_pplcnet_1x_coco.py', '../_base_/schedules/mobileone_wd_anneal.py']

# ---------------- parameters that often need to be modified ----------------
# ImageNet weights for the backbone: mmpretrain's MobileOne-S1 checkpoint of the *training*
# form (keys backbone.stage*.branch_*; not a re-parameterised one), used as it is through
# init_cfg below (no converter: its keys are already this backbone's). `pretrained_command`
# downloads it (mmpretrain's metafile, mobileone-s1_8xb32_in1k); tools/train.py prints it when
# the file is missing. From scratch instead: pretrained = None here (MobileOne's own default
# init_cfg: Kaiming convs, unit BN) or --cfg-options model.backbone.init_cfg=None (torch's
# default initialisation of each layer).
pretrained = 'checkpoints/mobileone-s1_8xb32_in1k.pth'
pretrained_command = (f'curl -L -o {pretrained} https://download.openmmlab.com/mmclassification/'
                      'v0/mobileone/mobileone-s1_8xb32_in1k_20221110-ceeef467.pth')
backbone = dict(type='MobileOne', arch='s1', out_indices=(1, 2, 3))  # strides 8, 16, 32
anneal_weight_decay = False  # True: MobileOne's cosine weight-decay annealing (to 1/10)
# ----------------------------------------------------------------------------

model = dict(
    # _delete_: no PPLCNet argument is kept; without weights MobileOne keeps its own default
    # init_cfg (Kaiming convs, BN weight 1)
    backbone=dict(backbone, _delete_=True, **(dict(
        init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=pretrained))
        if pretrained else {})),
    # MobileOne-S1's out_channels at out_indices (its arch table's widths, no multiplier)
    neck=dict(in_channels=(192, 512, 1280), widen_factor=1.0))
if anneal_weight_decay:
    param_scheduler = _base_.param_scheduler + [
        dict(_base_.weight_decay_annealing, by_epoch=True, end=_base_.max_epochs,
             convert_to_iter_based=True)]
