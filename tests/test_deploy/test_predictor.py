"""The predictor for exported models (pplc_vision.deploy.predictor, tools/deployment/infer.py).

For each task an untrained model of a demo config is exported and run through onnxruntime and
OpenVINO on the repository's demo photos and on a short video written here from them; the
results must equal the stock OpenMMLab inference of the same PyTorch model (mmdet's
``inference_detector``, mmseg's ``inference_model``, mmpretrain's inferencer: the test pipeline
and ``test_step`` that tools/test.py runs): the same boxes within 1e-3 relative and the same
labels, label maps equal on >= 99.9% of pixels, the same top-1.

Untrained networks need two changes to give results worth comparing: their activations fade to
~1e-7 through the randomly initialised layers (every score ties), so BatchNorm statistics are
re-estimated on the demo photos; and the last layer is re-drawn so that scores spread (a
detection head whose bias leaves ~100 confident boxes per photo).
"""
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, List

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import pplc_vision  # noqa: F401  (registers the models)
from pplc_vision.deploy.inputs import (PredictorInputError, check_inputs, expand_inputs,
                                       iter_frames)
from pplc_vision.deploy.predictor import Predictor
from pplc_vision.deploy.tasks import task_for
from pplc_vision.registry import build_model_from_config

from deploy_helpers import assert_same_detections, run_tool_main

ROOT = Path(__file__).resolve().parents[2]
INFER = ROOT / 'tools' / 'deployment' / 'infer.py'
ENGINES = ('onnxruntime', 'openvino')
DET_CONFIG = ROOT / 'configs/det/picodet_pplcnet_1x_demo-voc.py'
DET_V2_CONFIG = ROOT / 'configs/det/picodet-v2_s_320_demo-voc.py'
SEG_CONFIG = ROOT / 'configs/seg/deeplabv3plus_pplcnet_0.5x_os32_demo-cityscapes.py'
CLS_CONFIG = ROOT / 'configs/cls/pplcnet_0.5x_demo-fashion-mnist.py'
DET_PHOTOS = sorted((ROOT / 'data/demo_coco/images').glob('*.jpg'))
SEG_PHOTOS = sorted((ROOT / 'data/demo_cityscapes/leftImg8bit/val/skimage').glob('*.png'))
NO_CUT = 100000  # a top-k larger than the number of candidates
CLS_PHOTOS = [sorted((ROOT / 'data/demo_cls/val' / c).glob('*.png'))[0]
              for c in ('0_tshirt_top', '5_sandal', '8_bag')]


def write_video(photos: List[Path], size: tuple, path: Path) -> Path:
    """A 3-frame MJPG video of ``photos`` resized to ``size`` (w, h)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5, size)
    for photo in (photos * 3)[:3]:
        writer.write(cv2.resize(cv2.imread(str(photo)), size, interpolation=cv2.INTER_AREA))
    writer.release()
    return path


def recalibrate(model: torch.nn.Module, photos: List[Path], size: int) -> torch.nn.Module:
    """Re-estimate every BatchNorm's statistics on ``photos`` (one train-mode batch)."""
    pre = model.data_preprocessor
    swap = bool(getattr(pre, '_channel_conversion', False) or getattr(pre, 'to_rgb', False) or
                getattr(pre, 'channel_conversion', False))
    batch = []
    for photo in photos:
        img = cv2.resize(cv2.imread(str(photo)), (size, size))
        img = img[:, :, ::-1] if swap else img
        batch.append(torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float())
    x = (torch.stack(batch) - pre.mean) / pre.std
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: the statistics of this batch
    model.train()
    with torch.no_grad():
        model(x, mode='tensor')
    return model.eval()


def build(config: Path, photos: List[Path], size: int,
          last_layers: Callable[[torch.nn.Module], None], **cfg_options) -> SimpleNamespace:
    cfg = Config.fromfile(str(config))
    cfg.merge_from_dict(cfg_options)
    torch.manual_seed(0)
    model = build_model_from_config(cfg)
    recalibrate(model, photos, size)
    last_layers(model)
    model.cfg = model._config = cfg  # what mmdet / mmseg / mmpretrain inference reads
    return SimpleNamespace(cfg=cfg, model=model)


def frames_of(paths: List[Path]) -> list:
    return list(iter_frames([str(p) for p in paths]))


def exported_detector(config: Path, size: int, last_layers: Callable[[torch.nn.Module], None],
                      tmp: Path, score_tol: float = 1e-4, video: bool = True) -> SimpleNamespace:
    """The model of ``config`` exported at ``size``: head-outputs graph (.onnx and OpenVINO
    .xml) and in-graph-NMS graph, with mmdet's detections on the photos (and a 3-frame video);
    scores are compared within ``score_tol``."""
    # no top-k cut before or after NMS (boxes of equal score could be cut either way); a
    # test_cfg that differs from the config's, which both sides honour
    ns = build(config, DET_PHOTOS, size, last_layers,
               **{'model.test_cfg.nms_pre': NO_CUT, 'model.test_cfg.max_per_img': NO_CUT})
    task = task_for(ns.cfg)
    head = task.export(ns.model, str(tmp / 'head.onnx'), (size, size), graph='head')
    import openvino as ov
    # save_model stores fp16 weights unless told not to (boxes then move by ~0.2 px)
    ov.save_model(ov.convert_model(head), str(tmp / 'head.xml'), compress_to_fp16=False)
    task.export(ns.model, str(tmp / 'nms.onnx'), (size, size), graph='nms')
    ns.dir, ns.score_tol = tmp, score_tol
    ns.inputs = DET_PHOTOS + ([write_video(DET_PHOTOS, (320, 240), tmp / 'clip.avi')]
                              if video else [])
    ns.video_frames = 3 if video else 0
    from mmdet.apis import inference_detector
    ns.expected = [inference_detector(ns.model, f.image).pred_instances
                   for f in frames_of(ns.inputs)]
    return ns


@pytest.fixture(scope='module')
def det(tmp_path_factory) -> SimpleNamespace:
    """The demo-VOC PicoDet (15 to 1100 boxes a photo)."""
    def confident_head(model):
        for conv in model.bbox_head.gfl_preds:
            torch.nn.init.normal_(conv.weight, std=0.03)
            torch.nn.init.constant_(conv.bias, -4.5)

    return exported_detector(DET_CONFIG, 416, confident_head, tmp_path_factory.mktemp('det'))


@pytest.fixture(scope='module')
def det_v2(tmp_path_factory) -> SimpleNamespace:
    """The demo-VOC PicoDet v2 (PicoHeadV2: scores sqrt(sigmoid(cls) * sigmoid(align)); ~50
    to ~1000 boxes a photo). Scores within 5e-4: on voc.jpg this random model's own float32
    PyTorch scores differ from its float64 ones by up to 1.3e-4 (4 of 930 boxes beyond 1e-4;
    boxes by 0.22 px), so a float32 engine cannot be held to 1e-4 (measured 2.3e-4). The photos
    only (the video is the same code path as for ``det``; its small frames give no box here)."""
    def confident_head(model):
        for conv in model.bbox_head.head_cls:
            torch.nn.init.normal_(conv.weight, std=0.03)
            torch.nn.init.constant_(conv.bias, -8.5)

    return exported_detector(DET_V2_CONFIG, 320, confident_head,
                             tmp_path_factory.mktemp('det_v2'), score_tol=5e-4, video=False)


@pytest.fixture(scope='module')
def seg(tmp_path_factory) -> SimpleNamespace:
    """The demo-Cityscapes DeepLabV3+, logits graph with dynamic size (the photos differ)."""
    tmp = tmp_path_factory.mktemp('seg')
    ns = build(SEG_CONFIG, SEG_PHOTOS, 256, lambda model: None)
    task_for(ns.cfg).export(ns.model, str(tmp / 'seg.onnx'), (256, 256), dynamic=True)
    ns.dir = tmp
    ns.inputs = SEG_PHOTOS + [write_video(SEG_PHOTOS[:1], (256, 192), tmp / 'clip.avi')]
    from mmseg.apis import inference_model
    ns.expected = [inference_model(ns.model, f.image).pred_sem_seg.data[0].numpy()
                   for f in frames_of(ns.inputs)]
    return ns


@pytest.fixture(scope='module')
def cls(tmp_path_factory) -> SimpleNamespace:
    """The demo Fashion-MNIST PP-LCNet-0.5x at 64x64, logits graph."""
    def spread_fc(model):
        torch.nn.init.normal_(model.head.fc.weight, std=1.0)

    tmp = tmp_path_factory.mktemp('cls')
    ns = build(CLS_CONFIG, CLS_PHOTOS, 64, spread_fc)
    task_for(ns.cfg).export(ns.model, str(tmp / 'cls.onnx'), (64, 64))
    ns.dir = tmp
    ns.inputs = CLS_PHOTOS + [write_video(CLS_PHOTOS, (28, 28), tmp / 'clip.avi')]
    from mmpretrain.apis import ImageClassificationInferencer
    inferencer = ImageClassificationInferencer(model=ns.model, device='cpu')
    ns.expected = [inferencer(f.image)[0]['pred_scores'] for f in frames_of(ns.inputs)]
    return ns


@pytest.mark.parametrize('detector', ['det', 'det_v2'])
@pytest.mark.parametrize('engine,graph', [
    ('onnxruntime', 'head.onnx'), ('openvino', 'head.onnx'), ('openvino', 'head.xml'),
    ('onnxruntime', 'nms.onnx'), ('openvino', 'nms.onnx')])
def test_detections_equal_pytorch(request, detector, engine, graph):
    det = request.getfixturevalue(detector)
    predictor = Predictor(det.cfg, str(det.dir / graph), engine=engine, threads=1)
    assert predictor.mode == graph.split('.')[0]
    frames = frames_of(det.inputs)
    assert len(frames) == len(DET_PHOTOS) + det.video_frames
    for frame, expected in zip(frames, det.expected):
        got = predictor.predict_frame(frame)
        assert_same_detections(got, expected, frame.name, score_tol=det.score_tol)
        assert got.timing.network_ms > 0 and got.timing.postprocess_ms > 0
    # the one-call API: a path, decoded as tools/test.py's loader decodes it
    assert_same_detections(predictor(str(DET_PHOTOS[0])), det.expected[0], 'path',
                           score_tol=det.score_tol)


def test_nms_graph_refuses_a_test_cfg_it_does_not_apply(det):
    cfg = copy.deepcopy(det.cfg)
    cfg.merge_from_dict({'model.test_cfg.per_class_topk': 10})
    with pytest.raises(PredictorInputError, match=r'nms\.onnx: NMS is in this graph.*'
                                                  r"per_class_topk"):
        Predictor(cfg, str(det.dir / 'nms.onnx'), engine='onnxruntime')


@pytest.mark.parametrize('engine', ENGINES)
def test_label_maps_equal_pytorch(seg, engine):
    predictor = Predictor(seg.cfg, str(seg.dir / 'seg.onnx'), engine=engine, threads=1)
    for frame, expected in zip(frames_of(seg.inputs), seg.expected):
        got = predictor.predict_frame(frame)
        assert got.label_map.shape == frame.image.shape[:2] == expected.shape
        assert (got.label_map == expected).mean() >= 0.999, frame.name
        assert len(np.unique(expected)) >= 5, 'a near-constant reference map proves little'


@pytest.mark.parametrize('engine', ENGINES)
def test_top1_equals_pytorch(cls, engine):
    predictor = Predictor(cls.cfg, str(cls.dir / 'cls.onnx'), engine=engine, threads=1, topk=3)
    labels = []
    for frame, expected in zip(frames_of(cls.inputs), cls.expected):
        got = predictor.predict_frame(frame)
        assert got.label == int(np.argmax(expected)), frame.name
        np.testing.assert_allclose(got.scores, expected, atol=1e-4)
        assert [t['label'] for t in got.to_json()['topk']] == list(np.argsort(-expected)[:3])
        labels.append(got.label)
    assert len(set(labels)) > 1, 'every image got the same class: the test proves little'


# ------------------------------------------------------------------- bad input: one line
def test_non_image_in_a_folder_is_named(cls, tmp_path, monkeypatch, capsys):
    folder = tmp_path / 'photos'
    folder.mkdir()
    for photo in CLS_PHOTOS[:2]:
        (folder / photo.name).write_bytes(photo.read_bytes())
    (folder / 'notes.txt').write_text('not an image')
    with pytest.raises(PredictorInputError, match=r'notes\.txt: not an image'):
        check_inputs(expand_inputs([str(folder)]))
    code, err = run_tool_main(INFER, monkeypatch, capsys, CLS_CONFIG, cls.dir / 'cls.onnx',
                              folder, '--engine', 'onnxruntime', '--out', tmp_path / 'r.json')
    assert code == 2 and err.strip() == \
        f'error: {folder / "notes.txt"}: not an image that OpenCV can decode'
    assert not (tmp_path / 'r.json').exists()


def test_unreadable_video_is_named(cls, tmp_path, monkeypatch, capsys):
    video = tmp_path / 'broken.mp4'
    video.write_bytes(os.urandom(4096))
    code, err = run_tool_main(INFER, monkeypatch, capsys, CLS_CONFIG, cls.dir / 'cls.onnx',
                              video, '--engine', 'onnxruntime')
    assert code == 2 and err.strip() == f'error: {video}: not a video that OpenCV can open'


def test_model_of_another_config_is_named(cls, seg, tmp_path, monkeypatch, capsys):
    model = seg.dir / 'seg.onnx'
    code, err = run_tool_main(INFER, monkeypatch, capsys, CLS_CONFIG, model, CLS_PHOTOS[0],
                              '--engine', 'onnxruntime')
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(f'error: {model}: outputs (') and 'do not fit config' in err
    corrupt = tmp_path / 'corrupt.onnx'
    corrupt.write_bytes(b'\x08\x07garbage')
    for engine in ENGINES:
        with pytest.raises(PredictorInputError, match=f'{corrupt}: {engine} cannot load'):
            Predictor(cls.cfg, str(corrupt), engine=engine)


# ------------------------------------------------------------ the command line, once a task
def run_cli(*argv) -> subprocess.CompletedProcess:
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    proc = subprocess.run([sys.executable, str(INFER), *map(str, argv), '--threads', '1'],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'latency per image, median of' in proc.stdout
    return proc


def test_cli_detection(det, tmp_path):
    out, show = tmp_path / 'det.json', tmp_path / 'show'
    run_cli(DET_CONFIG, det.dir / 'head.xml', DET_PHOTOS[0].parent, det.dir / 'clip.avi',
            '--out', out, '--show-dir', show, '--cfg-options',
            f'model.test_cfg.nms_pre={NO_CUT}', f'model.test_cfg.max_per_img={NO_CUT}')
    results = json.loads(out.read_text())
    records = results['predictions']
    assert len(records) == sum(len(e.bboxes) for e in det.expected)
    first = [r for r in records if r['image'] == str(DET_PHOTOS[0])]
    x1, y1, x2, y2 = det.expected[0].bboxes[0].tolist()
    np.testing.assert_allclose(first[0]['bbox'], [x1, y1, x2 - x1, y2 - y1], rtol=1e-3)
    annotations = json.loads((ROOT / 'data/demo_coco/annotations.json').read_text())
    categories = sorted(annotations['categories'], key=lambda c: c['id'])
    assert results['class_names'] == [c['name'] for c in categories]
    # the annotation file's ids, so that pycocotools reads the records as they are
    assert first[0]['category'] == results['class_names'][first[0]['label']]
    assert first[0]['category_id'] == categories[first[0]['label']]['id']
    image_ids = {i['file_name']: i['id'] for i in annotations['images']}
    assert all(r['image_id'] == image_ids[Path(r['image']).name] for r in records
               if r['image'] in map(str, DET_PHOTOS))
    frames = [r for r in records if r['image'] not in map(str, DET_PHOTOS)]
    assert frames and not any('image_id' in r for r in frames)  # the video is not in the file
    assert sorted(p.name for p in show.iterdir()) == sorted(
        [p.stem + '.jpg' for p in DET_PHOTOS] + [f'clip_{i:06d}.jpg' for i in range(3)])


def test_cli_segmentation(seg, tmp_path):
    out, show = tmp_path / 'seg.json', tmp_path / 'show'
    run_cli(SEG_CONFIG, seg.dir / 'seg.onnx', *seg.inputs, '--engine', 'onnxruntime',
            '--out', out, '--show-dir', show)
    assert len(list(show.glob('*.jpg'))) == len(seg.expected)
    records = json.loads(out.read_text())['predictions']
    assert len(records) == len(seg.expected)
    for record, expected in zip(records, seg.expected):
        labels = cv2.imread(record['label_png'], cv2.IMREAD_UNCHANGED)
        assert Path(record['label_png']).parent == tmp_path / 'seg_labels'
        assert (labels == expected).mean() >= 0.999


def test_cli_classification(cls, tmp_path):
    out, show = tmp_path / 'cls.json', tmp_path / 'show'
    run_cli(CLS_CONFIG, cls.dir / 'cls.onnx', *CLS_PHOTOS, '--out', out, '--show-dir', show,
            '--topk', '2')
    records = json.loads(out.read_text())['predictions']
    assert [r['topk'][0]['label'] for r in records] == \
        [int(np.argmax(e)) for e in cls.expected[:len(CLS_PHOTOS)]]
    assert all(len(r['topk']) == 2 for r in records)
    assert records[0]['topk'][0]['category'].startswith(str(records[0]['topk'][0]['label']))
    assert len(list(show.glob('*.jpg'))) == len(CLS_PHOTOS)
