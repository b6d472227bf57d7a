"""Constants and small helpers of the detection tests (imported by the test modules)."""
import json
from pathlib import Path

from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate

REPO = Path(__file__).resolve().parents[2]
DET_CONFIGS = REPO / 'configs' / 'det'
PAPER_CONFIGS = ('picodet_pplcnet_0.5x_coco.py', 'picodet_pplcnet_1x_coco.py',
                 'picodet_mobilenetv3-large_0.35x_coco.py',
                 'picodet_mobilenetv3-large_0.75x_coco.py')
CSPPAN_CONFIGS = ('picodet-csppan_pplcnet_1.5x_coco.py', 'picodet-csppan_pplcnet_1x_coco.py')
DEMO_CONFIG = 'picodet_pplcnet_1x_demo-voc.py'
ALL_CONFIGS = PAPER_CONFIGS + CSPPAN_CONFIGS + (DEMO_CONFIG, )
LABELME_COCO = Path('/usr/share/doc/labelme-examples/examples/instance_segmentation/'
                    'data_dataset_coco')


def demo_batch(cfg, demo_coco):
    """The two demo photos through the config's training pipeline, labels folded to 3 classes."""
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
    return pseudo_collate(samples)
