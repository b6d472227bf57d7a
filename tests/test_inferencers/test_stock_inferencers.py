"""Every public config with a test pipeline runs in the stock OpenMMLab inferencer of its task
(mmdet's DetInferencer, mmseg's MMSegInferencer, mmpretrain's ImageClassificationInferencer)
on a real photo, with a checkpoint in the layout a Runner saves."""
import copy
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

import pplc_vision  # noqa: F401  (registers the components and the safe-loading allowlist)
from pplc_vision.apis import build_model_from_config
from pplc_vision.compat import safe_torch_load
from toy_runner import RecordIters, make_runner

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted(str(p.relative_to(ROOT)) for task in ('cls', 'det', 'seg')
                 for p in (ROOT / 'configs' / task).rglob('*.py'))
PHOTOS = {
    'mmdet': ROOT / 'data/demo_coco/images/arc2017.jpg',
    'mmseg': ROOT / 'data/demo_cityscapes/leftImg8bit/val/skimage/'
    'skimage_000000_000000_leftImg8bit.png',
    'mmpretrain': ROOT / 'data/demo_coco/images/arc2017.jpg',
}


@pytest.fixture(scope='module')
def runner_checkpoint(tmp_path_factory) -> dict:
    """A checkpoint written by a real mmengine Runner (meta, message hub with log buffers,
    optimizer and scheduler states), loaded safely: the template of every config's file."""
    work_dir = tmp_path_factory.mktemp('runner')
    make_runner(work_dir, max_iters=2, resume=False, hook=RecordIters()).train()
    return safe_torch_load(str(work_dir / 'iter_2.pth'), map_location='cpu')


def num_classes(cfg: Config) -> int:
    model = cfg.model
    for head in ('bbox_head', 'decode_head', 'head'):
        if head in model:
            return model[head].num_classes
    raise KeyError(f'{cfg.filename}: no head with num_classes')


def write_checkpoint(cfg: Config, template: dict, path: Path) -> Path:
    """The config's model weights in the Runner's checkpoint layout, saved with torch.save."""
    checkpoint = copy.deepcopy(template)
    checkpoint['state_dict'] = build_model_from_config(cfg).state_dict()
    checkpoint['meta'].update(
        cfg=cfg.pretty_text, experiment_name=uuid.uuid4().hex,
        dataset_meta=dict(classes=tuple(f'class{i}' for i in range(num_classes(cfg)))))
    torch.save(checkpoint, path)
    return path


def inferencer_for(scope: str, cfg: Config, weights: str):
    if scope == 'mmdet':
        from mmdet.apis import DetInferencer
        return DetInferencer(cfg, weights, device='cpu', show_progress=False)
    if scope == 'mmseg':
        from mmseg.apis import MMSegInferencer
        return MMSegInferencer(cfg, weights, device='cpu')
    from mmpretrain.apis import ImageClassificationInferencer
    return ImageClassificationInferencer(cfg, pretrained=weights, device='cpu')


def check_prediction(scope: str, result: dict, cfg: Config, photo_hw: tuple) -> None:
    """The prediction has the task's form, for this config's classes and this photo."""
    classes = num_classes(cfg)
    if scope == 'mmdet':
        pred = result['predictions'][0]
        assert set(pred) >= {'labels', 'scores', 'bboxes'}
        assert all(0 <= label < classes for label in pred['labels'])
        assert all(0.0 <= score <= 1.0 for score in pred['scores'])
    elif scope == 'mmseg':
        labels = np.asarray(result['predictions'])
        assert labels.shape == photo_hw, labels.shape
        assert labels.min() >= 0 and labels.max() < classes
    else:
        pred = result[0]
        assert 0 <= pred['pred_label'] < classes
        if 'MultiLabel' in cfg.model.head.type:  # sigmoid scores, one per attribute
            assert len(pred['pred_scores']) == classes
            assert all(0.0 <= score <= 1.0 for score in pred['pred_scores'])
        else:
            assert abs(sum(pred['pred_scores']) - 1.0) < 1e-3


@pytest.mark.slow  # 66 configs, one photo each (segmenters at 2048x1024)
@pytest.mark.parametrize('config', CONFIGS)
def test_stock_inferencer_runs_the_config(config, runner_checkpoint, tmp_path):
    cfg = Config.fromfile(str(ROOT / config))
    assert cfg.get('test_dataloader') is not None, f'{config} has no test pipeline'
    if cfg.model.type == 'DistillImageClassifier':
        # the teacher's weights are a download the user makes; the student is what is inferred
        cfg.model.teacher_checkpoint = None
    scope = cfg.default_scope
    weights = write_checkpoint(cfg, runner_checkpoint, tmp_path / 'model.pth')
    inferencer = inferencer_for(scope, cfg, str(weights))
    photo = PHOTOS[scope]
    import cv2
    photo_hw = cv2.imread(str(photo)).shape[:2]
    if scope == 'mmpretrain':
        result = inferencer(str(photo))
    else:
        result = inferencer(str(photo), return_datasamples=False)
    check_prediction(scope, result, cfg, photo_hw)
