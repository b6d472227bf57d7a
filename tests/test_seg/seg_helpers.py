"""Helpers of the segmentation tests: tiny Cityscapes-layout datasets and small configs."""
import copy
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from pplc_vision.apis import train_arg_parser
from pplc_vision.datasets.cityscapes import cityscapes_stem, write_cityscapes_sample

REPO = Path(__file__).resolve().parents[2]
SEG_CONFIGS = (
    'deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py',
    'deeplabv3plus_pplcnet_1x_os32_cityscapes.py',
    'deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py',
    'deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py',
)


# The documented --cfg-options that trains the Table 5 configs from scratch (they load ImageNet
# weights from checkpoints/ by default; tests never need those files).
FROM_SCRATCH = 'model.backbone.init_cfg=None'


def load_seg_config(name: str, from_scratch: bool = False) -> Config:
    """A config of configs/seg by file name; ``from_scratch`` applies :data:`FROM_SCRATCH`."""
    cfg = Config.fromfile(str(REPO / 'configs' / 'seg' / name))
    if from_scratch:  # parsed as tools/train.py parses it
        cfg.merge_from_dict(
            train_arg_parser().parse_args([name, '--cfg-options', FROM_SCRATCH]).cfg_options)
    return cfg


def write_tiny_cityscapes(root: Path, num_images: int = 2, size=(128, 256), num_classes=19,
                          label_fn: Optional[Callable[[int], np.ndarray]] = None,
                          split: str = 'train') -> Path:
    """Random images with blocky labels (or ``label_fn(i)``) in the Cityscapes layout."""
    rng = np.random.RandomState(0)
    h, w = size
    for i in range(num_images):
        image = rng.randint(0, 256, (h, w, 3), dtype=np.uint8)
        if label_fn is None:
            blocks = rng.randint(0, num_classes, (h // 16, w // 16)).astype(np.uint8)
            label = np.kron(blocks, np.ones((16, 16), np.uint8))
            label[:4] = 255
        else:
            label = label_fn(i)
        write_cityscapes_sample(str(root), split, 'tiny', cityscapes_stem('tiny', 0, i), image,
                                label)
    return root


def small_training_config(cfg: Config, data_root: Path, work_dir: Path,
                          crop_size=(128, 256), batch_size: int = 2) -> Config:
    """``cfg`` shrunk to one CPU training iteration on ``data_root``'s train split, no val."""
    cfg = copy.deepcopy(cfg)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    for t in pipeline:
        if t['type'] == 'RandomCrop':
            t['crop_size'] = crop_size
        if t['type'] == 'RandomChoiceResize':  # keep the 256x128 images near their size
            t['scales'] = [(256, 128), (384, 192)]
    cfg.model.data_preprocessor.size = crop_size
    cfg.train_dataloader = dict(
        batch_size=batch_size, num_workers=0, persistent_workers=False,
        sampler=dict(type='InfiniteSampler', shuffle=True),
        dataset=dict(type=cfg.train_dataloader.dataset.type, data_root=str(data_root),
                     data_prefix=dict(img_path='leftImg8bit/train',
                                      seg_map_path='gtFine/train'),
                     pipeline=pipeline))
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=1000)
    cfg.param_scheduler = [dict(type='PolyLR', power=0.9, begin=0, end=1, by_epoch=False)]
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg',
                'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    cfg.default_hooks.logger.interval = 1
    cfg.env_cfg.cudnn_benchmark = False
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    return cfg


def train_and_diff(cfg: Config) -> Tuple[float, List[str]]:
    """Run ``cfg``'s (small) training; the last loss and the float tensors it changed."""
    runner = Runner.from_cfg(cfg)
    before = {k: v.detach().clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    loss = runner.message_hub.get_scalar('train/loss').current()
    changed = [k for k, v in runner.model.state_dict().items()
               if v.dtype.is_floating_point and not torch.equal(v, before[k])]
    return loss, changed
