"""A predictor for exported models: image in, the task's result out, as ``tools/test.py`` gives it.

``Predictor(config, 'model.xml')(image)`` runs

- pre-processing: the config's test pipeline (mmcv/mmdet/mmseg/mmpretrain transforms, the
  loaders and annotation loaders left out), then what the data preprocessor does outside the
  graph (padding a detector's image to the graph's size);
- the network: an exported graph in OpenVINO or onnxruntime, which takes BGR images in 0..255
  and swaps and normalises inside;
- post-processing: the model's own code on the engine's outputs, chosen by the config's task
  (:mod:`pplc_vision.deploy.tasks`; a PP-LCNet classification head's PULC post-processing
  included: thresholds and attribute grouping as PaddleClas deploys them). The model is built
  from the config (its weights are not used).

Before the first image the exported file's contract (:mod:`~pplc_vision.deploy.contract`) is
checked against the config: a model of another config, another class list or an input size the
test pipeline does not give is refused in one line naming what differs; a ``test_cfg`` value
fixed in the graph that the config changes is applied on the host where it can be (a stricter
detection ``score_thr``) and refused otherwise. A file exported before contracts existed runs
with a one-line warning, under that time's conventions (detector graphs took RGB).

``engine='auto'`` races the engines that load the file at the precision for a second or two
(:func:`~.engines.auto.load_fastest_engine`) and keeps the fastest; ``engine_choice`` says which
and by what margin, and the choice is cached for the file, precision, threads and CPU
(``engine_cache``): the next predictor over the same file loads it without a race.

Pre- and post-processing run PyTorch on one thread by default (``host_threads``): the OpenMP
workers that a parallel PyTorch op wakes keep spinning after it, on the cores the engine's
threads need next, and wait for each other when the cores are busy (PicoDet PP-LCNet-1x, 2
engine threads on 2 cores shared with other work: 72 ms an image, against 146 ms with PyTorch's
two threads).
"""
import contextlib
import logging
import time
from typing import Any, Iterator, Optional, Tuple, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import DefaultScope

from .contract import Contract, check_against
from .engines.auto import AUTO, EngineChoice, load_fastest_engine
from .engines.base import InferenceEngine, Shape
from .engines.factory import load_engine
from .inputs import Frame, PredictorInputError, read_image
from .predictions import Prediction, Timing
from .preprocess import input_pad_value
from .tasks import task_for

logger = logging.getLogger(__name__)
# two images of different sizes and aspect ratios: a pipeline that gives both the same size
# gives every image that size
PROBE_SHAPES = ((97, 131, 3), (151, 89, 3))


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


class Predictor:
    """An exported model of ``config`` in an engine; ``predictor(image)`` -> a task result.

    Args:
        config: Config file (or loaded config) the model was exported from.
        model_path: ``.onnx`` or OpenVINO ``.xml`` (int8: NNCF's quantised files).
        engine: ``'openvino'``, ``'onnxruntime'`` or ``'auto'`` (the fastest of those that
            load the file at ``precision``, raced at load: :attr:`engine_choice`).
        precision: ``'fp32'``, ``'bf16'`` (OpenVINO) or ``'int8'`` (a quantised file).
        threads: Engine threads (``None``: the engine's default).
        topk: Classes kept in a classification result.
        host_threads: PyTorch threads of pre- and post-processing (``None``: PyTorch's setting
            of the moment); the previous count is restored after each stage.
        engine_cache: ``engine='auto'``: ``'use'`` the cached choice (race and cache one when
            there is none), ``'refresh'`` it (race again) or ``'off'`` (race, cache nothing).
        cache_dir: Folder of the cached choices (default: the user's cache folder,
            :func:`~.engines.auto.default_cache_dir`).
    """

    def __init__(self, config: Union[str, Config], model_path: str, engine: str = 'openvino',
                 precision: str = 'fp32', threads: Optional[int] = None, topk: int = 5,
                 host_threads: Optional[int] = 1, engine_cache: str = 'use',
                 cache_dir: Optional[str] = None) -> None:
        if host_threads is not None and (not isinstance(host_threads, int) or host_threads < 1):
            raise ValueError(f'host_threads must be None or a positive int, got {host_threads!r}')
        self.host_threads = host_threads
        self.cfg = config if isinstance(config, Config) else Config.fromfile(config)
        self.task = task_for(self.cfg)
        self.model_path = model_path
        self.topk = topk
        self.engine_choice: Optional[EngineChoice] = None
        if engine != AUTO:
            self.engine = load_engine(model_path, engine, precision, threads)
        self.model = self.task.build_model()
        with DefaultScope.overwrite_default_scope(self.task.scope):
            self.pipeline = Compose(self.task.inference_pipeline())
        self.num_classes = self.task.num_classes(self.model)
        if engine == AUTO:
            self.engine, self.engine_choice = load_fastest_engine(
                model_path, precision, threads, self._check_model, self._race_input,
                engine_cache, cache_dir)
            logger.info(self.engine_choice.line())
        else:
            self._check_model(self.engine)

    def _check_model(self, engine: InferenceEngine) -> None:
        """The file's contract and ports, as ``engine`` reads them, checked against the config;
        sets what the stages need (graph kind, class names, host settings, input size)."""
        model_path = self.model_path
        self.contract = Contract.from_metadata(engine.metadata, model_path)
        graph = self.task.graph_of(self.model, engine.output_shapes, model_path)
        expected = self.task.contract(self.model, graph, None)
        if self.contract is None:
            logger.warning(f'warning: {model_path} carries no contract (exported before '
                           f'pplc_vision wrote one): run as a {self.task.name} {graph} graph '
                           f'taking {self.task.legacy_channel_order}, unchecked against config '
                           f'{self.cfg.filename}; export it again to check it')
            self.graph, channel_order = graph, self.task.legacy_channel_order
            self.class_names = expected.class_names
        else:
            check_against(self.contract, expected, model_path, self.cfg.filename,
                          placeholder_names=expected.class_names == [
                              f'class{i}' for i in range(self.num_classes)])
            if graph != self.contract.graph:
                raise self.task.mismatch(model_path, engine.output_shapes,
                                         f'its contract says a {self.contract.graph} graph')
            self.graph, channel_order = graph, self.contract.channel_order
            self.class_names = self.contract.class_names
        self.task.refuse_graph(self.graph, model_path)
        self.host_cfg = dict(self.task.host_test_cfg(
            self.model, self.graph, self.contract and self.contract.test_cfg, model_path),
            topk=self.topk)
        self.swap_on_host = channel_order == 'RGB'  # graphs exported before contracts
        self.pad_value = input_pad_value(self.model.data_preprocessor, channel_order)
        self.input_hw = self._check_input(engine.input_shape)

    def _race_input(self) -> np.ndarray:
        """The engine's batch for a photo-sized image of noise (fixed seed), for
        ``engine='auto'``'s race."""
        image = np.random.default_rng(0).integers(0, 256, PROBE_SHAPES[0], np.uint8)
        batch, _ = self.preprocess(Frame('race', image, ''))
        return batch

    @property
    def mode(self) -> str:
        """The graph's kind (``logits``, ``labels``, ``head``, ``nms``): an alias of ``graph``."""
        return self.graph

    # ----------------------------------------------------------------- checks of the graph
    def _check_input(self, shape: Shape) -> Optional[Tuple[int, int]]:
        """The graph's static (H, W) (``None``: dynamic), refused when the test pipeline gives
        images of another fixed size."""
        if len(shape) != 4 or shape[1] not in (3, None) or shape[0] not in (1, None):
            raise PredictorInputError(f'{self.model_path}: input shape {tuple(shape)} is not '
                                      f'(1, 3, H, W)')
        if None in shape[2:]:
            return None
        graph_hw = (int(shape[2]), int(shape[3]))
        sizes = {tuple(self._run_pipeline(Frame('probe', np.zeros(s, np.uint8), ''))[
            'inputs'].shape[1:]) for s in PROBE_SHAPES}
        if len(sizes) == 1 and not self.task.fits_input(next(iter(sizes)), graph_hw):
            (h, w), = sizes
            raise PredictorInputError(
                f'{self.model_path} takes {graph_hw[0]}x{graph_hw[1]} images and the test '
                f'pipeline of {self.cfg.filename} gives {h}x{w}: export it with --shape {h} {w}')
        return graph_hw

    # ------------------------------------------------------------------------ the stages
    def _run_pipeline(self, frame: Frame) -> dict:
        image = frame.image
        results = dict(img=image, img_shape=image.shape[:2], ori_shape=image.shape[:2],
                       img_path=frame.name, img_id=frame.frame_index or 0,
                       scale_factor=(1.0, 1.0))
        with DefaultScope.overwrite_default_scope(self.task.scope):
            return self.pipeline(results)

    def network_input(self, inputs: torch.Tensor, name: str) -> np.ndarray:
        """A packed ``(3, H, W)`` image of the test pipeline as the engine's batch: BGR float
        (RGB for a graph exported before contracts), padded to a detector graph's size."""
        batch = inputs.numpy()[None]
        if self.swap_on_host:
            batch = batch[:, ::-1]
        batch = np.ascontiguousarray(batch, np.float32)  # one copy: to float (and swapped)
        if self.input_hw is None:
            return batch
        (h, w), (gh, gw) = batch.shape[2:], self.input_hw
        if (h, w) == (gh, gw):
            return batch
        if self.task.fits_input((h, w), (gh, gw)):  # pad as the data preprocessor pads
            out = np.empty((1, 3, gh, gw), np.float32)
            out[...] = self.pad_value
            out[:, :, :h, :w] = batch
            return out
        raise PredictorInputError(f'{name}: the test pipeline of {self.cfg.filename} gives a '
                                  f'{h}x{w} image, the model {self.model_path} takes {gh}x{gw}: '
                                  f'export it with --shape {h} {w} (or --dynamic)')

    def preprocess(self, frame: Frame) -> Tuple[np.ndarray, Any]:
        """The test pipeline on ``frame``: the engine's input batch and the data sample."""
        packed = self._run_pipeline(frame)
        return self.network_input(packed['inputs'], frame.name), packed['data_samples']

    def predict_packed(self, inputs: torch.Tensor, sample: Any, name: str,
                       frame_index: Optional[int] = None,
                       start: Optional[float] = None) -> Prediction:
        """One image the test pipeline has packed (``inputs`` ``(3, H, W)`` and its data
        sample, e.g. from the config's test dataloader) through the graph and the task's
        post-processing; ``sample`` gets the predictions, as ``test_step`` sets them."""
        start = time.perf_counter() if start is None else start
        with torch_threads(self.host_threads):
            batch = self.network_input(inputs, name)
        t_pre = time.perf_counter()
        outputs = self.engine(batch)
        t_net = time.perf_counter()
        shapes = [list(o.shape) for o in outputs]
        if self.task.graph_of(self.model, shapes, self.model_path) != self.graph:
            raise self.task.mismatch(self.model_path, shapes, f'not a {self.graph} graph')
        with torch_threads(self.host_threads), torch.no_grad():
            fields = self.task.postprocess(self.model, self.graph, outputs, sample,
                                           self.host_cfg)
        t_post = time.perf_counter()
        timing = Timing((t_pre - start) * 1e3, (t_net - t_pre) * 1e3, (t_post - t_net) * 1e3)
        return self.task.result_type(name=name, class_names=self.class_names, timing=timing,
                                     frame_index=frame_index, **fields)

    def predict_frame(self, frame: Frame) -> Prediction:
        """One image (already decoded) through the three stages, timed."""
        start = time.perf_counter()
        with torch_threads(self.host_threads):
            packed = self._run_pipeline(frame)
        return self.predict_packed(packed['inputs'], packed['data_samples'], frame.name,
                                   frame.frame_index, start)

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
