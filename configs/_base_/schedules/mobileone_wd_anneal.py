# Weight-decay annealing of the MobileOne recipe (arXiv 2206.04040; +0.5% top-1 in its ablation of
# training settings): the decay follows a cosine from its initial value to a tenth of it over
# training (the paper: 1e-4 -> 1e-5). Add this file to `_base_` and append the scheduler with
# the run's length, e.g.
#   param_scheduler = _base_.param_scheduler + [
#       dict(_base_.weight_decay_annealing, by_epoch=True, end=_base_.max_epochs,
#            convert_to_iter_based=True)]                  # or by_epoch=False, end=max_iters
#
# eta_min_ratio, not eta_min: mmengine's CosineAnnealingParamScheduler anneals every param group
# towards eta_min, so an absolute eta_min=1e-5 (mmpretrain's imagenet_bs256_coslr_coswd_300e.py)
# raises the decay of the zero-decay groups (paramwise_cfg norm_decay_mult=0) from 0 to 1e-5.
# A ratio scales each group relatively: zero-decay groups stay at 0 (tests/test_mobileone).
weight_decay_annealing = dict(
    type='CosineAnnealingParamScheduler', param_name='weight_decay', eta_min_ratio=0.1, begin=0)
