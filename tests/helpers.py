"""Shared test helpers: tiny on-disk datasets that the tests write themselves (no downloads)."""
import importlib.util
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import pytest

from pplc_vision.apis import ToolError, run_train

REPO = Path(__file__).resolve().parents[1]

# One image: its (height, width) and its boxes as (x1, y1, x2, y2, category index).
ImageSpec = dict

DEFAULT_COCO_IMAGES: Tuple[ImageSpec, ...] = (
    dict(size=(128, 128), boxes=[(10, 12, 70, 80, 0), (80, 40, 120, 110, 1)]),
    dict(size=(128, 128), boxes=[(30, 20, 100, 90, 1)]),
)


@dataclass(frozen=True)
class CocoSplit:
    """Where a tiny COCO-format split lives, ready for mmdet's ``CocoDataset``."""
    root: Path
    ann_file: Path
    img_dir: Path
    classes: Tuple[str, ...]

    def dataset_cfg(self, pipeline: Sequence[dict], **kwargs) -> dict:
        """A ``CocoDataset`` config dict over this split."""
        return dict(
            type='CocoDataset',
            data_root=str(self.root),
            ann_file=str(self.ann_file),
            data_prefix=dict(img=str(self.img_dir) + '/'),
            metainfo=dict(classes=self.classes),
            pipeline=list(pipeline),
            **kwargs)


def write_coco_dataset(root: Path,
                       images: Optional[Sequence[ImageSpec]] = None,
                       classes: Sequence[str] = ('person', 'car'),
                       seed: int = 0) -> CocoSplit:
    """Write JPEG images and a COCO instances file under ``root``.

    Each box is drawn as a filled rectangle in a class-specific colour on a noisy background, so
    images and annotations agree. Image and category ids start at 1; every annotation has a
    box-shaped polygon so that mask pipelines load too.
    """
    images = DEFAULT_COCO_IMAGES if images is None else images
    root = Path(root)
    img_dir = root / 'images'
    img_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, size=(len(classes), 3))
    coco = dict(
        images=[],
        annotations=[],
        categories=[dict(id=i + 1, name=name) for i, name in enumerate(classes)])
    for image_id, spec in enumerate(images, start=1):
        height, width = spec['size']
        img = rng.integers(0, 60, size=(height, width, 3), dtype=np.uint8)
        for x1, y1, x2, y2, label in spec['boxes']:
            if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
                raise ValueError(f'box {(x1, y1, x2, y2)} outside image {image_id} of size '
                                 f'{(height, width)}')
            if label not in range(len(classes)):
                raise ValueError(f'box label {label} not in 0..{len(classes) - 1}')
            img[y1:y2, x1:x2] = palette[label]
            coco['annotations'].append(
                dict(id=len(coco['annotations']) + 1, image_id=image_id,
                     category_id=label + 1, bbox=[x1, y1, x2 - x1, y2 - y1],
                     area=(x2 - x1) * (y2 - y1), iscrowd=0,
                     segmentation=[[x1, y1, x2, y1, x2, y2, x1, y2]]))
        file_name = f'{image_id:06d}.jpg'
        if not cv2.imwrite(str(img_dir / file_name), img):
            raise OSError(f'could not write {img_dir / file_name}')
        coco['images'].append(dict(id=image_id, file_name=file_name, height=height, width=width))
    ann_file = root / 'instances.json'
    ann_file.write_text(json.dumps(coco))
    return CocoSplit(root=root, ann_file=ann_file, img_dir=img_dir, classes=tuple(classes))


def make_divisible_spec(value: float, divisor: int = 8) -> int:
    """The paper's channel rounding, written out independently of the package.

    Nearest multiple of ``divisor`` (at least ``divisor``), bumped up one step if that loses more
    than 10% of ``value``.
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def assert_override_trains_from_scratch(argv: Sequence[str], from_scratch: str) -> None:
    """``tools/train.py argv`` stops with the missing-pretrained-weights line whose
    ``--cfg-options`` is ``from_scratch``; with that override it trains one finite iteration
    with no pretrained backbone."""
    with pytest.raises(ToolError) as error:
        run_train(list(argv))
    override = re.search(r'--cfg-options (\S+)$', str(error.value)).group(1)
    assert override == from_scratch
    runner = run_train(list(argv) + ['--cfg-options', override])
    assert runner.iter == 1
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())
    assert runner.model.backbone.init_cfg is None


def assert_missing_pretrained_stops_at_once(config_path, cfg, work_dir, from_scratch: str) -> None:
    """``tools/train.py config_path`` without ``cfg.pretrained`` on disk: one line with the file,
    the config's ``pretrained_command`` and the ``from_scratch`` override, before any build (no
    ``work_dir`` is made)."""
    with pytest.raises(ToolError) as error:
        run_train([str(config_path), '--work-dir', str(work_dir)])
    message = str(error.value)
    assert '\n' not in message
    assert repr(cfg.pretrained) in message and f'`{cfg.pretrained_command}`' in message
    assert message.endswith(f'train from scratch with --cfg-options {from_scratch}')
    assert not Path(work_dir).exists()


def load_tool(path: str):
    """A tool script (``tools/<path>.py``) as a module, to call its ``main`` in this process."""
    spec = importlib.util.spec_from_file_location('tool_' + path.replace('/', '_'),
                                                  REPO / 'tools' / f'{path}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error_lines(output: str) -> list:
    """The ``error: ...`` lines of a tool's output."""
    return [line for line in output.splitlines() if line.startswith('error: ')]
