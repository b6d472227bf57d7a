"""Constants and small helpers of the detection tests (imported by the test modules)."""
import json
from pathlib import Path

from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import FUNCTIONS

from pplc_vision.apis.pretrained_files import pretrained_init_cfgs

REPO = Path(__file__).resolve().parents[2]
DET_CONFIGS = REPO / 'configs' / 'det'
PAPER_CONFIGS = ('picodet_pplcnet_0.5x_coco.py', 'picodet_pplcnet_1x_coco.py',
                 'picodet_mobilenetv3-large_0.35x_coco.py',
                 'picodet_mobilenetv3-large_0.75x_coco.py')
CSPPAN_CONFIGS = ('picodet-csppan_pplcnet_1.5x_coco.py', 'picodet-csppan_pplcnet_1x_coco.py')
DEMO_CONFIG = 'picodet_pplcnet_1x_demo-voc.py'
V2_DEMO_CONFIG = 'picodet-v2_s_320_demo-voc.py'  # PicoDet v2 S at 320 on the same photos
ALL_CONFIGS = PAPER_CONFIGS + CSPPAN_CONFIGS + (DEMO_CONFIG, )
MOBILEONE_CONFIG = 'picodet_mobileone_s1_coco.py'
# the COCO configs: each starts from ImageNet backbone weights under checkpoints/ by default
# the CSP-PAN PicoDet-LCNet-1.5x at 640 (PaddleDetection's picodet_lcnet_1_5x_640_coco.yml)
CSPPAN_640_CONFIG = 'picodet-csppan_pplcnet_1.5x_640_coco.py'
# PicoDet v2 (LCPAN + PicoHeadV2): PaddleDetection's
# configs/picodet/picodet_{size}_{input}_coco_lcnet.yml
V2_CONFIGS = tuple(f'picodet-v2_{size}_{input_size}_coco.py' for size, sizes in (
    ('xs', (320, 416)), ('s', (320, 416)), ('m', (320, 416)), ('l', (320, 416, 640)))
    for input_size in sizes)
COCO_CONFIGS = (PAPER_CONFIGS + CSPPAN_CONFIGS + (CSPPAN_640_CONFIG, MOBILEONE_CONFIG)
                + V2_CONFIGS)
LABELME_COCO = Path('/usr/share/doc/labelme-examples/examples/instance_segmentation/'
                    'data_dataset_coco')


def load_det_config(name: str, from_scratch: bool = False) -> Config:
    """``configs/det/NAME``; ``from_scratch`` sets each ``Pretrained`` init_cfg of the model to
    None, as the ``--cfg-options`` of tools/train.py's missing-weights error does (tests never
    have the converted ImageNet files)."""
    cfg = Config.fromfile(str(DET_CONFIGS / name))
    if from_scratch:
        cfg.merge_from_dict({where: None for where, _ in pretrained_init_cfgs(cfg.model)})
    return cfg


def demo_batch(cfg, demo_coco, size: int = 256):
    """The two demo photos through the config's training pipeline and collate function (a
    per-batch resize set to ``size``), labels folded to 3 classes."""
    pipeline = Compose(cfg.train_dataloader.dataset.get('pipeline') or
                       cfg.train_dataloader.dataset.dataset.pipeline)
    ann = json.loads((demo_coco / 'annotations.json').read_text())
    samples = []
    for image in ann['images']:
        instances = [dict(bbox=[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2],
                                a['bbox'][1] + a['bbox'][3]],
                          bbox_label=a['category_id'] % 3, ignore_flag=0)
                     for a in ann['annotations'] if a['image_id'] == image['id']]
        samples.append(pipeline(dict(
            img_path=str(demo_coco / 'images' / image['file_name']), img_id=image['id'],
            instances=instances)))
    collate = dict(cfg.train_dataloader.get('collate_fn', dict(type='pseudo_collate')))
    if collate.get('sizes') is not None:
        collate['sizes'] = [size]
    return FUNCTIONS.get(collate.pop('type'))(samples, **collate)


def memorisation_config(base: str, data_root: str, num_images: int, num_classes: int, *,
                        input_size: int, epochs: int, lr: float, repeat: int = 8,
                        warmup_iters: int = 20, seed: int = 0) -> str:
    """Text of a config that trains ``configs/det/BASE`` on the ``num_images`` images of one
    COCO-format folder (``annotations.json``, image paths relative to it) and then validates on
    the same images (bbox mAP, per class too).

    Full-batch and deterministic: every batch holds all the images (no shuffling, no random
    augmentation, one fixed square size), so BatchNorm's running statistics converge to the
    statistics training used; with shuffled 2-image batches drawn from 3 images they did not,
    and the later PicoDet scored mAP@0.5 0.67-0.80 in eval mode while predicting well in
    training mode. ``repeat`` batches an epoch; linear
    warm-up over ``warmup_iters`` iterations, then cosine to 0. The base config's model (and its
    EMA) are left as they are, apart from ``num_classes`` and the backbone, which starts from
    scratch (:data:`FROM_SCRATCH`: the COCO configs load ImageNet weights from checkpoints/).
    A base's per-batch random resize (its train loader's collate_fn) is replaced by mmengine's
    plain collate.
    """
    collate = ("collate_fn=dict(_delete_=True, type='pseudo_collate'),"
               if 'collate_fn' in load_det_config(base).train_dataloader else '')
    return f"""_base_ = '{DET_CONFIGS / base}'
data_root = '{data_root}'
max_epochs = {epochs}
resize = dict(type='Resize', scale=({input_size}, {input_size}), keep_ratio=False,
              interpolation='bicubic')
train_pipeline = [
    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True), resize,
    dict(type='PackDetInputs')]
test_pipeline = [
    dict(type='LoadImageFromFile'), resize, dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))]
data = dict(type='CocoFileDataset', data_root=data_root, ann_file='annotations.json',
            data_prefix=dict(img=''), metainfo=None)
model = dict(data_preprocessor=dict(batch_augments=None), backbone=dict(init_cfg=None),
             bbox_head=dict(num_classes={num_classes}))
train_dataloader = dict(
    batch_size={num_images}, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False), {collate}
    dataset=dict(_delete_=True, type='RepeatDataset', times={repeat},
                 dataset=dict(data, filter_cfg=dict(filter_empty_gt=True),
                              pipeline=train_pipeline)))
val_dataloader = dict(batch_size=1, num_workers=0, persistent_workers=False,
                      dataset=dict(data, _delete_=True, test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations.json', classwise=True)
test_evaluator = val_evaluator
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end={warmup_iters}),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0, T_max=max_epochs,
         end=max_epochs, convert_to_iter_based=True)]
optim_wrapper = dict(optimizer=dict(lr={lr}))
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
log_processor = dict(window_size=20)
randomness = dict(seed={seed})
"""
