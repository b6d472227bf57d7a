"""The Table 5 reference run: PaddleSeg's ``DeepLabV3P`` on Paddle Inference + oneDNN against
our converted segmenter on our engines, with the same weights, raced in interleaved rounds in one
process, each of ours against Paddle at the same precision."""
import os
import tempfile
from typing import Any, Dict, Optional, Sequence, Tuple

from ..apis import build_model_from_config, load_config
from ..converters.paddleseg import convert_paddleseg_deeplabv3p
from ..deploy.calibration import load_images, random_crops
from ..deploy.engines import PyTorchEngine, as_tensor_module
from ..references.paddleseg import build_paddleseg_deeplabv3p, head_logits_network
from .complexity import measure_complexity
from .drift import run_batches
from .machine import environment
from .paddle_race import (PADDLE_DELETED_PASSES, SETTLE_S, add_achieved, our_contenders,
                          paddle_contenders, race_until_settled, same_precision_speedups)
from .settings import Settings
from .timing import race_result

#: (row name, our config, PaddleSeg backbone, width)
SEGMENTERS = (
    ('DeepLabV3+ PP-LCNet-1x', 'configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py',
     'pplcnet', 1.0),
    ('DeepLabV3+ MobileNetV3-large-0.75x',
     'configs/seg/deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py',
     'mobilenetv3-large', 0.75),
)
PADDLESEG_MEAN_STD = (127.5, 127.5, 127.5)  # (x / 255 - 0.5) / 0.5, RGB


def paddleseg_comparison(engines: Sequence[Tuple[str, str]],
                         settings: Settings = Settings(warmup=5, iters=20, calib_images=4),
                         input_hw: Tuple[int, int] = (1024, 2048),
                         paddle_precisions: Sequence[str] = ('fp32', 'bf16'),
                         settle_s: Optional[float] = None) -> Dict[str, Any]:
    """PaddleSeg's DeepLabV3P (PP-LCNet-1x, MobileNetV3-large-0.75x) on Paddle Inference with
    oneDNN (each of ``paddle_precisions``, fp32 first) against our ``engines``, same weights,
    same input size, same run.

    ``engines``: ``(engine, precision)`` pairs without int8 (its calibration at this size is
    the latency tables' business). Each Paddle model gets BN statistics from real images; its
    weights are converted into the Table 5 config's model. Both sides run the network alone
    (backbone and head; the stride-4 logits, without the final upsampling). Per segmenter, every
    contender is built first, then all are timed in ``settings.rounds`` interleaved rounds
    (``settle_s`` pause before each, default ``paddle_race.SETTLE_S``; ``settings``' untimed and
    timed calls spread over the rounds); each of ours gets its speed-up over Paddle at its own
    precision, or the reason there is none. Paddle must have been imported before torch.
    """
    settle_s = SETTLE_S if settle_s is None else settle_s
    threads, rounds, log = settings.threads, settings.rounds, settings.log
    warmup, iters, calib_images = settings.round_warmup, settings.round_iters, \
        settings.calib_images
    env = environment(roofline_threads=threads)  # before any engine: nothing else runs
    images = load_images(settings.calib_dir)
    half_hw = (input_hw[0] // 2, input_hw[1] // 2)
    calibration = random_crops(images, calib_images, half_hw, PADDLESEG_MEAN_STD,
                               PADDLESEG_MEAN_STD, seed=0)
    drift = random_crops(images, 1, input_hw, PADDLESEG_MEAN_STD, PADDLESEG_MEAN_STD, seed=1)
    rows = []
    for name, config, backbone, width in SEGMENTERS:
        log(f'{name}: PaddleSeg model, BN statistics from {calib_images} real crops')
        paddle_model = build_paddleseg_deeplabv3p(backbone, width, calibration=calibration)
        params = {k: v.numpy() for k, v in paddle_model.state_dict().items()}
        ours = build_model_from_config(load_config(os.path.join(settings.root, config)))
        state_dict, _ = convert_paddleseg_deeplabv3p(params, source=name)
        ours.load_state_dict(state_dict, strict=True)
        ours.eval()
        macs = measure_complexity(ours, (3, *input_hw)).macs
        reference = run_batches(PyTorchEngine(as_tensor_module(ours), 'fp32', fuse=False), drift)
        with tempfile.TemporaryDirectory(prefix='pplc_paddleseg_') as tmp:
            log(f'{name}: Paddle Inference (oneDNN) {", ".join(paddle_precisions)}')
            contenders, skipped = paddle_contenders(
                head_logits_network(paddle_model), (1, 3, *input_hw), drift, reference, tmp,
                paddle_precisions, threads, deleted_passes=PADDLE_DELETED_PASSES)
            contenders += our_contenders(ours, drift, engines, threads, skipped,
                                         lambda m: log(f'{name}: {m}'))
            log(f'{name}: race, {rounds} interleaved rounds of {len(contenders)} engines')
            ran = race_until_settled(contenders, rounds, warmup, iters, settle_s,
                                     settings.max_rounds, lambda m: log(f'{name}: {m}'))
        results = {c.key: race_result(c) for c in contenders}
        add_achieved(results, macs, env.get('roofline'))
        rows.append(dict(
            name=name, config=config, rounds=ran, params=sum(p.numel() for p in ours.parameters()),
            paddle_params=sum(int(p.size) for n, p in paddle_model.named_parameters()
                              if not p.stop_gradient and not n.startswith(
                                  ('backbone.last_conv.', 'backbone.fc.'))),
            macs=macs, results=results, skipped=skipped,
            speedup_vs_paddle=same_precision_speedups(results, skipped)))
    return dict(input_hw=list(input_hw), threads=threads, rounds=rounds,
                max_rounds=settings.max_rounds, warmup=warmup,
                iters=iters, settle_s=settle_s, rows=rows, environment=env)
