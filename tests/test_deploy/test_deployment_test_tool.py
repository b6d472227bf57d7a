"""tools/deployment/test.py and infer.py --out measured against tools/test.py on the demo data.

For each task a checkpoint of its demo config is exported (tools/deployment/export_onnx.py's
default graph) and evaluated three ways on the demo test set: by ``tools/test.py`` (the PyTorch
model), by ``tools/deployment/test.py`` at fp32 on both engines, which must print the same
metric (COCO mAP within 0.001, mIoU within 0.01, top-1 exactly), and at int8 on OpenVINO, whose
metric is printed beside them (what int8 costs in the metric). pycocotools evaluates the
detections that ``infer.py --out`` writes for the demo photos to tools/test.py's mAP.

Checkpoints, built once per module (their metrics are printed with the comparison):

- classification: the PP-LCNet-0.5x that the deployment tests already train on Fashion-MNIST
  (``fashion_mnist_classifier``, 64x64, the demo config's normalisation within 0.1%), on the
  demo config's 200 validation images;
- detection: the demo PicoDet (PP-LCNet-1x) trained by tools/train.py for 80 iterations at
  320x320 (the demo trains 300 at 416);
- segmentation: the demo DeepLabV3+ trained by tools/train.py for 40 iterations on 256x256
  crops, tested at 256 (the demo trains 200 on 384x384 crops, tests at 512).

A briefly trained network is enough for the equality (it holds for any weights); non-trivial
metrics make it mean something.
"""
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
import torch
from mmengine.config import Config

from pplc_vision.deploy.config_export import export_config_onnx

from deploy_helpers import load_tool, run_tool_main

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / 'tools'
DET_CONFIG = ROOT / 'configs/det/picodet_pplcnet_1x_demo-voc.py'
SEG_CONFIG = ROOT / 'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py'
CLS_CONFIG = ROOT / 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py'
DET_PHOTOS = sorted((ROOT / 'data/demo_coco/images').glob('*.jpg'))
# the metric compared, and how far tools/deployment/test.py's fp32 value may be from
# tools/test.py's (mmseg reports IoU in percent, rounded to 2 decimals; top-1 is exact)
COMPARED = {'det': ('coco/bbox_mAP', 0.001), 'seg': ('mIoU', 0.01),
            'cls': ('accuracy/top1', 0.0)}
# int8 calibration images of each config's train set (the demo sets hold 2 photos)
CALIB_IMAGES = {'det': 2, 'seg': 2, 'cls': 64}


def derived_config(base: Path, out: Path, edit: Callable[[Config], None]) -> Path:
    """``base`` changed by ``edit``, written to ``out`` (one file, no ``_base_``)."""
    cfg = Config.fromfile(str(base))
    edit(cfg)
    cfg.dump(str(out))
    return out


def train(config: Path, work_dir: Path) -> Path:
    """The last checkpoint of tools/train.py CONFIG in ``work_dir``."""
    assert load_tool(TOOLS / 'train.py').main([str(config), '--work-dir', str(work_dir)]) == 0
    return Path((work_dir / 'last_checkpoint').read_text().strip())


def demo(config: Path, checkpoint: Path, tmp: Path, shape, **export) -> SimpleNamespace:
    """``checkpoint`` exported from ``config`` (export_onnx.py's default graph), with the
    metrics tools/test.py gives it (the function the tool runs)."""
    model = export_config_onnx(str(config), str(tmp / 'model.onnx'), shape, str(checkpoint),
                               **export)
    pytorch = load_tool(TOOLS / 'test.py').run_test(
        [str(config), str(checkpoint), '--work-dir', str(tmp / 'test')])
    return SimpleNamespace(config=config, checkpoint=checkpoint, model=Path(model),
                           pytorch=pytorch)


@pytest.fixture(scope='module')
def det_demo(tmp_path_factory) -> SimpleNamespace:
    size = 320

    def brief(cfg: Config) -> None:
        epochs = 8
        for pipeline in (cfg.train_dataloader.dataset.dataset.pipeline,
                         cfg.test_dataloader.dataset.pipeline):
            for step in pipeline:
                if step['type'] == 'Resize':
                    step['scale'] = (size, size)
        cfg.train_cfg.update(max_epochs=epochs, val_interval=epochs)
        cfg.param_scheduler[0].update(end=epochs)
        cfg.param_scheduler[1].update(end=10)
        cfg.default_hooks.checkpoint.interval = epochs

    tmp = tmp_path_factory.mktemp('det_demo')
    config = derived_config(DET_CONFIG, tmp / 'det_demo.py', brief)
    return demo(config, train(config, tmp / 'train'), tmp, (size, size))


@pytest.fixture(scope='module')
def seg_demo(tmp_path_factory) -> SimpleNamespace:
    size, iters = 256, 40

    def brief(cfg: Config) -> None:
        for step in cfg.train_dataloader.dataset.pipeline:
            if step['type'] == 'RandomResize':
                step['scale'] = (size, size)
            if step['type'] == 'RandomCrop':
                step['crop_size'] = (size, size)
        for step in cfg.test_dataloader.dataset.pipeline:
            if step['type'] == 'Resize':
                step['scale'] = (size, size)
        cfg.model.data_preprocessor.size = (size, size)
        cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg.train_cfg.update(max_iters=iters, val_interval=iters)
        cfg.param_scheduler[0].update(end=iters)
        cfg.default_hooks.checkpoint.interval = iters

    tmp = tmp_path_factory.mktemp('seg_demo')
    config = derived_config(SEG_CONFIG, tmp / 'seg_demo.py', brief)
    # the demo photos differ in size after the keep-ratio resize: a graph of dynamic size
    return demo(config, train(config, tmp / 'train'), tmp, (size, size),
                dynamic=True)


@pytest.fixture(scope='module')
def cls_demo(tmp_path_factory, fashion_mnist_classifier) -> SimpleNamespace:
    def serial(cfg: Config) -> None:
        cfg.test_dataloader.update(num_workers=0, persistent_workers=False)

    tmp = tmp_path_factory.mktemp('cls_demo')
    config = derived_config(CLS_CONFIG, tmp / 'cls_demo.py', serial)
    checkpoint = tmp / 'cls.pth'
    torch.save({'state_dict': fashion_mnist_classifier.model.state_dict()}, checkpoint)
    return demo(config, checkpoint, tmp, (64, 64))


@pytest.mark.parametrize('task', list(COMPARED))
def test_exported_fp32_metrics_equal_tools_test_and_int8_is_printed(task, request, tmp_path,
                                                                    capsys):
    ns = request.getfixturevalue(f'{task}_demo')
    key, tolerance = COMPARED[task]
    tool = load_tool(TOOLS / 'deployment' / 'test.py')
    results = {}
    for engine, precision in (('onnxruntime', 'fp32'), ('openvino', 'fp32'),
                              ('openvino', 'int8')):
        record = tmp_path / f'{engine}_{precision}.json'
        code = tool.main([str(ns.config), str(ns.model), '--engine', engine, '--precision',
                          precision, '--threads', '1', '--calib-images',
                          str(CALIB_IMAGES[task]), '--json', str(record)])
        out, err = capsys.readouterr()
        assert code == 0, err[-2000:]
        metrics = json.loads(record.read_text())['metrics']
        assert re.search(rf'^{engine} {precision}: test metrics: .*\b{re.escape(key)}='
                         rf'{metrics[key]:.4f}\b', out, re.M), out[-2000:]
        results[engine, precision] = metrics
    pytorch = ns.pytorch[key]
    with capsys.disabled():  # beside the fp32 ones: what int8 costs in the metric
        print(f'\n{task} {key}: tools/test.py {pytorch}, tools/deployment/test.py ' +
              ', '.join(f'{e} {p} {m[key]}' for (e, p), m in results.items()))
    for engine in ('onnxruntime', 'openvino'):
        assert abs(results[engine, 'fp32'][key] - pytorch) <= tolerance, (engine, results)
    assert pytorch > 0, f'{task}: a checkpoint of metric 0 proves little'


def test_pycocotools_evaluates_infer_out_to_the_map_of_tools_test(det_demo, tmp_path,
                                                                  monkeypatch, capsys):
    """infer.py --out on the demo photos: the records carry the annotation file's image_id and
    category_id, so pycocotools reads the "predictions" list as it is."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    out = tmp_path / 'detections.json'
    code, err = run_tool_main(TOOLS / 'deployment' / 'infer.py', monkeypatch, capsys,
                              det_demo.config, det_demo.model, *DET_PHOTOS, '--engine',
                              'onnxruntime', '--threads', '1', '--out', out)
    assert code == 0, err
    truth = COCO(str(ROOT / Config.fromfile(str(det_demo.config)).test_evaluator.ann_file))
    evaluation = COCOeval(truth, truth.loadRes(json.loads(out.read_text())['predictions']),
                          'bbox')
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    mean_ap, pytorch = evaluation.stats[0], det_demo.pytorch['coco/bbox_mAP']
    with capsys.disabled():
        print(f'\ndemo photos, bbox mAP: tools/test.py {pytorch}, pycocotools on infer.py '
              f'--out {mean_ap:.4f}')
    assert pytorch > 0, 'a checkpoint of mAP 0 proves little'
    assert abs(mean_ap - pytorch) <= 0.001  # tools/test.py rounds to 3 decimals
