"""A predictor for exported models: image in, the task's result out, as ``tools/test.py`` gives it.

``Predictor(config, 'model.xml')(image)`` runs

- pre-processing: the config's test pipeline (mmcv/mmdet/mmseg/mmpretrain transforms, the
  loaders and annotation loaders left out), then what the model's data preprocessor does outside
  the graph (the BGR->RGB swap of detectors; padding to the graph's size);
- the network: an exported graph (see below) in OpenVINO or onnxruntime;
- post-processing: the model's own code on the engine's outputs as torch tensors: mmdet's
  ``bbox_head.predict_by_feat`` with the head's ``test_cfg``, mmseg's ``postprocess_result``
  (where the logits already have the image's size, its identity resize and argmax done faster
  with the same labels: :mod:`.label_map`), mmpretrain's head predictions (with a PP-LCNet head's
  PULC post-processing: thresholds and attribute grouping as PaddleClas deploys them). The model
  is built from the config (its weights are not used).

Pre- and post-processing run PyTorch on one thread by default (``host_threads``): the OpenMP
workers that a parallel PyTorch op wakes keep spinning after it, on the cores the engine's
threads need next, and wait for each other when the cores are busy (PicoDet PP-LCNet-1x, 2
engine threads on 2 cores shared with other work: 72 ms an image, against 146 ms with PyTorch's
two threads).

Graphs it runs (all take ``(1, 3, H, W)`` images in 0..255 and normalise inside):
classification logits (:class:`~.classification.ClassifierExportWrapper`); detection head
outputs (:class:`~.detection_head.DetectorHeadExportWrapper`, the path equal to PyTorch for any
``test_cfg``) or boxes/scores/labels after in-graph NMS
(:class:`~.detection.DetectorExportWrapper`); segmentation logits or label maps
(:class:`~.segmentation.SegmentorExportWrapper`). A graph whose outputs do not fit the config
is refused in one line naming the file.
"""
import contextlib
import copy
import os
import time
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmdet.structures.bbox import scale_boxes
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData, PixelData
from mmpretrain.models.heads import MultiLabelClsHead

from ..apis.model_builder import build_model_from_config
from .class_names import config_class_names
from .config_export import TASK_SCOPES
from .engines import OnnxRuntimeEngine, OpenVINOEngine
from .engines.base import InferenceEngine, check_engine
from .inputs import Frame, PredictorInputError, read_image
from .label_map import postprocess_logits
from .predictions import Classification, Detections, Prediction, Segmentation, Timing
from .preprocess import PreprocessInGraph

Shape = List[Optional[int]]
# the test_cfg keys DetectorExportWrapper's in-graph post-processing applies
NMS_GRAPH_KEYS = {'nms_pre', 'score_thr', 'nms', 'max_per_img', 'min_bbox_size',
                  'nms_pre_per_class', 'clip_boxes'}


def load_engine(model_path: str, engine: str = 'openvino', precision: str = 'fp32',
                threads: Optional[int] = None) -> InferenceEngine:
    """An engine over an exported file; one line naming the file when it cannot be loaded."""
    check_engine(engine, precision)
    if engine not in ('openvino', 'onnxruntime'):
        raise ValueError(f'the predictor runs exported files in openvino or onnxruntime, '
                         f'not {engine!r}')
    if not os.path.isfile(model_path):
        raise PredictorInputError(f'{model_path}: no such model file')
    if engine == 'onnxruntime' and not model_path.endswith('.onnx'):
        raise PredictorInputError(f'{model_path}: onnxruntime runs .onnx files only '
                                  f'(use --engine openvino for OpenVINO IR)')
    cls = OpenVINOEngine if engine == 'openvino' else OnnxRuntimeEngine
    try:
        return cls(model_path, precision, threads)
    except (ImportError, ValueError):
        raise
    except Exception as e:  # noqa: BLE001  (each runtime raises its own types for a bad file)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise PredictorInputError(f'{model_path}: {engine} cannot load this model: '
                                  f'{first[:200]}') from None


def _dims(shape) -> Shape:
    return [d if isinstance(d, int) and d >= 0 else None for d in shape]


def engine_ports(engine: InferenceEngine) -> Tuple[Shape, List[Shape]]:
    """The input's shape and every output's shape (``None`` for a dynamic dimension)."""
    if hasattr(engine, 'session'):  # onnxruntime
        return (_dims(engine.session.get_inputs()[0].shape),
                [_dims(o.shape) for o in engine.session.get_outputs()])

    def ov_shape(port) -> Shape:
        return [d.get_length() if d.is_static else None for d in port.get_partial_shape()]

    return ov_shape(engine.compiled.inputs[0]), [ov_shape(o) for o in engine.compiled.outputs]


@contextlib.contextmanager
def torch_threads(count: Optional[int]) -> Iterator[None]:
    """PyTorch's intra-op thread count set to ``count`` inside the block (``None``: unchanged)."""
    before = torch.get_num_threads()
    if count is None or count == before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def inference_pipeline(cfg: Config) -> List[dict]:
    """The test pipeline's transforms without the file and annotation loaders."""
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset['dataset']
    pipeline = dataset.get('pipeline') or cfg.get('test_pipeline')
    if not pipeline:
        raise PredictorInputError(f'config {cfg.filename}: no test pipeline '
                                  f'(test_dataloader.dataset.pipeline)')
    return [copy.deepcopy(t) for t in pipeline
            if not str(t['type']).split('.')[-1].startswith('Load')]


class Predictor:
    """An exported model of ``config`` in an engine; ``predictor(image)`` -> a task result.

    Args:
        config: Config file (or loaded config) the model was exported from.
        model_path: ``.onnx`` or OpenVINO ``.xml`` (int8: NNCF's quantised files).
        engine: ``'openvino'`` or ``'onnxruntime'``.
        precision: ``'fp32'``, ``'bf16'`` (OpenVINO) or ``'int8'`` (a quantised file).
        threads: Engine threads (``None``: the engine's default).
        topk: Classes kept in a classification result.
        host_threads: PyTorch threads of pre- and post-processing (``None``: PyTorch's setting
            of the moment); the previous count is restored after each stage.
    """

    def __init__(self, config: Union[str, Config], model_path: str, engine: str = 'openvino',
                 precision: str = 'fp32', threads: Optional[int] = None, topk: int = 5,
                 host_threads: Optional[int] = 1) -> None:
        if host_threads is not None and (not isinstance(host_threads, int) or host_threads < 1):
            raise ValueError(f'host_threads must be None or a positive int, got {host_threads!r}')
        self.host_threads = host_threads
        cfg = config if isinstance(config, Config) else Config.fromfile(config)
        self.cfg = cfg
        self.scope = cfg.get('default_scope')
        if self.scope not in TASK_SCOPES:
            raise PredictorInputError(f'config {cfg.filename}: default_scope {self.scope!r} is '
                                      f'not one of {sorted(TASK_SCOPES)}')
        self.task = TASK_SCOPES[self.scope]
        self.model_path = model_path
        self.topk = topk
        self.engine = load_engine(model_path, engine, precision, threads)
        self.model = build_model_from_config(cfg)
        with DefaultScope.overwrite_default_scope(self.scope):
            self.pipeline = Compose(inference_pipeline(cfg))
        self.num_classes = self._num_classes()
        self.class_names = config_class_names(cfg, self.num_classes)
        input_shape, self.output_shapes = engine_ports(self.engine)
        self.input_hw = self._check_input(input_shape)
        self.mode = self._check_outputs(self.output_shapes)
        pre = self.model.data_preprocessor
        # what the data preprocessor does that the graph does not: detectors' BGR->RGB swap
        self.host_swap = bool(getattr(pre, '_channel_conversion', False)) and \
            not PreprocessInGraph(pre).swap_channels
        normalises = getattr(pre, '_enable_normalize', False)
        self.pad_value = (pre.mean.reshape(1, -1, 1, 1).numpy() if normalises else
                          np.full((1, 3, 1, 1), float(getattr(pre, 'pad_value', 0))))
        self._postprocess: Callable = getattr(self, f'_post_{self.task}')

    # ----------------------------------------------------------------- checks of the graph
    def _mismatch(self, shapes: Sequence[Shape], what: str) -> PredictorInputError:
        text = ', '.join(str(tuple('?' if d is None else d for d in s)) for s in shapes)
        return PredictorInputError(f'{self.model_path}: outputs {text} do not fit config '
                                   f'{self.cfg.filename} ({what})')

    def _num_classes(self) -> int:
        if self.task == 'detection':
            return int(self.model.bbox_head.num_classes)
        if self.task == 'segmentation':
            return int(self.model.decode_head.num_classes)
        return int(self.model.head.num_classes)

    def _check_input(self, shape: Shape) -> Optional[Tuple[int, int]]:
        if len(shape) != 4 or shape[1] not in (3, None) or shape[0] not in (1, None):
            raise PredictorInputError(f'{self.model_path}: input shape {tuple(shape)} is not '
                                      f'(1, 3, H, W)')
        return None if None in shape[2:] else (int(shape[2]), int(shape[3]))

    def _check_outputs(self, shapes: Sequence[Shape]) -> str:
        """The graph's kind: 'logits', 'labels' (segmentation), 'head' or 'nms' (detection).

        Called with the graph's declared shapes (``None``: dynamic, fits anything) and again
        with every result's actual shapes."""
        def fits(dim: Optional[int], expected: int) -> bool:
            return dim is None or dim == expected

        n = self.num_classes
        if self.task == 'classification':
            if len(shapes) != 1 or len(shapes[0]) != 2 or not fits(shapes[0][1], n):
                raise self._mismatch(shapes, f'expected logits (1, {n})')
            return 'logits'
        if self.task == 'segmentation':
            if len(shapes) == 1 and len(shapes[0]) == 4 and fits(shapes[0][1], n):
                return 'logits'
            if len(shapes) == 1 and len(shapes[0]) == 3:
                return 'labels'
            raise self._mismatch(shapes, f'expected logits (1, {n}, H, W) or labels (1, H, W)')
        head = self.model.bbox_head
        levels = head.prior_generator.num_levels
        box_channels = 4 * (head.reg_max + 1)
        if len(shapes) == 2 * levels and all(len(s) == 4 for s in shapes) and \
                all(fits(s[1], head.cls_out_channels) for s in shapes[:levels]) and \
                all(fits(s[1], box_channels) for s in shapes[levels:]):
            return 'head'
        if [len(s) for s in shapes] == [2, 1, 1] and fits(shapes[0][1], 4):
            extra = sorted(set(head.test_cfg) - NMS_GRAPH_KEYS)
            if extra:
                raise PredictorInputError(
                    f'{self.model_path}: NMS is in this graph, which applies only '
                    f'{sorted(NMS_GRAPH_KEYS)}; config {self.cfg.filename} sets test_cfg '
                    f'{extra} too: export the head outputs (export_detector_head_onnx)')
            return 'nms'
        raise self._mismatch(shapes, f'expected {levels} class-score maps with '
                             f'{head.cls_out_channels} channels and {levels} box maps with '
                             f'{box_channels}, or boxes/scores/labels after NMS')

    # ------------------------------------------------------------------------ the stages
    def preprocess(self, frame: Frame) -> Tuple[np.ndarray, object]:
        """The test pipeline on ``frame``: the engine's input batch and the data sample."""
        image = frame.image
        results = dict(img=image, img_shape=image.shape[:2], ori_shape=image.shape[:2],
                       img_path=frame.name, img_id=frame.frame_index or 0,
                       scale_factor=(1.0, 1.0))
        with DefaultScope.overwrite_default_scope(self.scope):
            packed = self.pipeline(results)
        batch = packed['inputs'].numpy()[None]
        if self.host_swap:
            batch = batch[:, ::-1]
        batch = np.ascontiguousarray(batch, np.float32)  # one copy: to float and swapped
        return self._fit(batch, frame.name), packed['data_samples']

    def _fit(self, batch: np.ndarray, name: str) -> np.ndarray:
        """Pad a detector's batch to the graph's size (as its data preprocessor pads, with the
        value that normalises to ``pad_value``); other sizes must match the graph's."""
        if self.input_hw is None:
            return batch
        (h, w), (gh, gw) = batch.shape[2:], self.input_hw
        if (h, w) == (gh, gw):
            return batch
        if self.task == 'detection' and h <= gh and w <= gw:
            out = np.empty((1, 3, gh, gw), np.float32)
            out[...] = self.pad_value
            out[:, :, :h, :w] = batch
            return out
        raise PredictorInputError(f'{name}: the test pipeline of {self.cfg.filename} gives a '
                                  f'{h}x{w} image, the model {self.model_path} takes {gh}x{gw}: '
                                  f'export it with --shape {h} {w} (or --dynamic)')

    def _post_classification(self, outputs: Sequence[np.ndarray], sample) -> dict:
        """The head's own predictions: softmax or sigmoid scores, a multi-label head's positive
        classes, and the PULC post-processing the head carries (``pulc_result``)."""
        head = self.model.head
        sample = head._get_predictions(torch.from_numpy(outputs[0]), [sample])[0]
        multi_label = isinstance(head, MultiLabelClsHead)
        return dict(sample=sample, scores=sample.pred_score.numpy(), topk=self.topk,
                    positive=sample.pred_label.numpy() if multi_label else None,
                    postprocessed=sample.get('pulc_result'))

    def _post_detection(self, outputs: Sequence[np.ndarray], sample) -> dict:
        meta = sample.metainfo
        tensors = [torch.from_numpy(np.asarray(o)) for o in outputs]
        if self.mode == 'head':
            levels = len(tensors) // 2
            instances = self.model.bbox_head.predict_by_feat(
                tensors[:levels], tensors[levels:], batch_img_metas=[meta], rescale=True)[0]
        else:  # in-graph NMS: boxes in the network input's pixels; rescale as mmdet does
            instances = InstanceData(bboxes=tensors[0].float(), scores=tensors[1].float(),
                                     labels=tensors[2].long())
            instances.bboxes = scale_boxes(instances.bboxes,
                                           [1 / s for s in meta['scale_factor']])
        sample.pred_instances = instances
        return dict(sample=sample, boxes=instances.bboxes.numpy(),
                    scores=instances.scores.numpy(), labels=instances.labels.numpy())

    def _post_segmentation(self, outputs: Sequence[np.ndarray], sample) -> dict:
        if self.mode == 'logits':
            sample = postprocess_logits(self.model, outputs[0], sample)
            label_map = sample.pred_sem_seg.data[0].numpy()
        else:  # a label-map graph: nearest-neighbour back to the original size
            h, w = sample.metainfo['ori_shape']
            label_map = cv2.resize(outputs[0][0].astype(np.uint16), (w, h),
                                   interpolation=cv2.INTER_NEAREST).astype(np.int64)
            sample.pred_sem_seg = PixelData(data=torch.from_numpy(label_map)[None])
        return dict(sample=sample, label_map=label_map)

    def predict_frame(self, frame: Frame) -> Prediction:
        """One image (already decoded) through the three stages, timed."""
        start = time.perf_counter()
        with torch_threads(self.host_threads):
            batch, sample = self.preprocess(frame)
        t_pre = time.perf_counter()
        outputs = self.engine(batch)
        t_net = time.perf_counter()
        if self._check_outputs([list(o.shape) for o in outputs]) != self.mode:
            raise self._mismatch([list(o.shape) for o in outputs], f'not a {self.mode} graph')
        with torch_threads(self.host_threads), torch.no_grad():
            fields = self._postprocess(outputs, sample)
        t_post = time.perf_counter()
        timing = Timing((t_pre - start) * 1e3, (t_net - t_pre) * 1e3, (t_post - t_net) * 1e3)
        cls = {'classification': Classification, 'detection': Detections,
               'segmentation': Segmentation}[self.task]
        return cls(name=frame.name, class_names=self.class_names, timing=timing,
                   frame_index=frame.frame_index, **fields)

    def __call__(self, image: Union[str, np.ndarray], name: Optional[str] = None) -> Prediction:
        """Predict one image: a file path, or a BGR ``(H, W, 3)`` uint8 array (as cv2 reads).
        Decoding a path counts as pre-processing time."""
        start = time.perf_counter()
        if isinstance(image, str):
            frame = Frame(name or image, read_image(image), image)
        else:
            frame = Frame(name or 'array', image, '')
        decode_ms = (time.perf_counter() - start) * 1e3
        result = self.predict_frame(frame)
        result.timing.preprocess_ms += decode_ms
        return result
