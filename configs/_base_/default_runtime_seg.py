# Runtime for the segmentation configs (mmseg scope).
default_scope = 'mmseg'
custom_imports = dict(imports=['pplc_vision'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook that never leaves the run without a complete checkpoint
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=8000, max_keep_ckpts=3,
                    save_best='mIoU'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # tools/test.py --show-dir switches on drawing (colourised predictions next to the labels)
    visualization=dict(type='SegVisualizationHook'),
)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
# BN in the configs; SyncBN only when the Runner is distributed (mmengine converts then)
sync_bn = 'torch'

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
