"""The Table 5 reference run: PaddleSeg's ``DeepLabV3P`` on Paddle Inference + oneDNN against
our converted segmenter on our engines, with the same weights, timed in one process."""
import dataclasses
import os
import tempfile
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from ..apis import build_model_from_config, load_config
from ..converters.paddleseg import convert_paddleseg_deeplabv3p
from ..deploy.calibration import load_images, random_crops
from ..deploy.engines import PaddleInferenceEngine, PyTorchEngine, as_tensor_module
from ..deploy.engines.paddleseg_reference import (build_paddleseg_deeplabv3p,
                                                  head_logits_network)
from .drift import measure_drift, run_batches
from .machine import environment
from .model_latency import benchmark_model
from .timing import time_engine

#: (row name, our config, PaddleSeg backbone, width)
SEGMENTERS = (
    ('DeepLabV3+ PP-LCNet-1x', 'configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py',
     'pplcnet', 1.0),
    ('DeepLabV3+ MobileNetV3-large-0.75x',
     'configs/seg/deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py',
     'mobilenetv3-large', 0.75),
)
PADDLESEG_MEAN_STD = (127.5, 127.5, 127.5)  # (x / 255 - 0.5) / 0.5, RGB
# paddlepaddle 3.3.1 cannot run bilinear_interp on its oneDNN kernel ("ConvertPirAttribute2
# RuntimeAttribute not support [pir::ArrayAttribute<pir::DoubleAttribute>]"), and DeepLabV3P
# upsamples twice: the pass that places every op on oneDNN kernels is left out; oneDNN stays
# enabled, with its fusion passes (conv + BN + activation).
PADDLE_DELETED_PASSES = ('onednn_placement_pass', )


def paddleseg_comparison(engines: Sequence[Tuple[str, str]],
                         threads: int = 2,
                         warmup: int = 3,
                         iters: int = 20,
                         input_hw: Tuple[int, int] = (1024, 2048),
                         calib_images: int = 4,
                         calib_dir: Optional[str] = None,
                         root: str = '.',
                         log: Callable[[str], None] = print) -> Dict[str, Any]:
    """PaddleSeg's DeepLabV3P (PP-LCNet-1x, MobileNetV3-large-0.75x) on Paddle Inference with
    oneDNN against our engines, same weights, same input size, same run.

    ``engines``: ``(engine, precision)`` pairs without int8 (its calibration at this size is
    the latency tables' business). Each Paddle model gets BN statistics from real images; its weights are converted into the
    Table 5 config's model. Both sides run the network alone (backbone and head; the stride-4
    logits, without the final upsampling). Paddle must have been imported before torch.
    """
    images = load_images(calib_dir)
    half_hw = (input_hw[0] // 2, input_hw[1] // 2)
    calibration = random_crops(images, calib_images, half_hw, PADDLESEG_MEAN_STD,
                               PADDLESEG_MEAN_STD, seed=0)
    drift = random_crops(images, 1, input_hw, PADDLESEG_MEAN_STD, PADDLESEG_MEAN_STD, seed=1)
    built = []
    for name, config, backbone, width in SEGMENTERS:
        log(f'{name}: PaddleSeg model, BN statistics from {calib_images} real crops')
        paddle_model = build_paddleseg_deeplabv3p(backbone, width, calibration=calibration)
        params = {k: v.numpy() for k, v in paddle_model.state_dict().items()}
        ours = build_model_from_config(load_config(os.path.join(root, config)))
        state_dict, _ = convert_paddleseg_deeplabv3p(params, source=name)
        ours.load_state_dict(state_dict, strict=True)
        built.append((name, config, paddle_model, ours.eval()))
    rows = []
    for name, config, paddle_model, ours in built:
        results = {}
        for engine, precision in engines:
            log(f'{name}: ours on {engine} {precision}')
            results[f'{engine}:{precision}'] = benchmark_model(
                ours, drift, engine, precision, threads, warmup, iters)
        rows.append(dict(
            name=name, config=config, params=sum(p.numel() for p in ours.parameters()),
            paddle_params=sum(int(p.size) for n, p in paddle_model.named_parameters()
                              if not p.stop_gradient and not n.startswith(
                                  ('backbone.last_conv.', 'backbone.fc.'))),
            results=results))
    # Paddle last: its OpenMP threads spin after each run and would slow engines timed after it
    for row, (name, _, paddle_model, ours) in zip(rows, built):
        reference = run_batches(PyTorchEngine(as_tensor_module(ours), 'fp32', fuse=False), drift)
        with tempfile.TemporaryDirectory(prefix='pplc_paddleseg_') as tmp:
            log(f'{name}: Paddle Inference (oneDNN) fp32')
            engine = PaddleInferenceEngine(head_logits_network(paddle_model),
                                           (1, 3, *input_hw), tmp, 'fp32', threads,
                                           deleted_passes=PADDLE_DELETED_PASSES)
            paddle = time_engine(engine, drift[:1], warmup, iters)
            paddle['drift_vs_pytorch_fp32'] = dataclasses.asdict(
                measure_drift(reference, run_batches(engine, drift)))
        row['results'] = {'paddle_inference:fp32': paddle, **row['results']}
        base = paddle['latency_ms']['median']
        row['speedup_vs_paddle'] = {k: base / v['latency_ms']['median']
                                    for k, v in row['results'].items()}
    return dict(input_hw=list(input_hw), threads=threads, rows=rows, environment=environment())
