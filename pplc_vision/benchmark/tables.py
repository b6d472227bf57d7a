"""Reproduction of the latency columns of the paper's Tables 2 to 5 on this machine.

Each row is measured in one run: parameters and MACs (mmengine's FlopAnalyzer) and latency on the
requested engines and precisions (:mod:`pplc_vision.benchmark.latency`), printed beside the
paper's values; each comparison pair gets our latency ratio beside the paper's. Table 3's
baselines are torchvision's (MobileNetV2, ShuffleNetV2) and timm's (MobileNetV3, MobileNetV1);
Tables 4 and 5 build the detection and segmentation configs of this repository. The paper timed
on an Intel Xeon Gold 6148 with 10 threads and Paddle Inference + MKLDNN: absolute numbers are not
comparable across machines, ratios are.
"""
import dataclasses
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from .complexity import measure_complexity
from .latency import benchmark_model, environment, time_engine


@dataclasses.dataclass(frozen=True)
class PaperRow:
    """One row of a paper table: what to build and what the paper reports."""
    name: str
    build: str  # 'pplcnet:<scale>', 'torchvision:<fn>:<width>', 'shufflenetv2:<stages>',
    # 'timm:<name>', 'timm-mobilenetv3:<variant>:<width>' or 'config:<path>'
    params_m: float
    macs_m: Optional[float]
    metric: float  # top-1 (Tables 2, 3), mAP (4) or mIoU (5), in %
    latency_ms: float


TABLE3 = (
    PaperRow('MobileNetV2-0.25x', 'torchvision:mobilenet_v2:0.25', 1.5, 34, 53.21, 2.47),
    PaperRow('MobileNetV3-small-0.35x', 'timm-mobilenetv3:mobilenetv3_small_100:0.35', 1.7, 15,
             53.03, 3.02),
    PaperRow('ShuffleNetV2-0.33x', 'shufflenetv2:24,32,64,128,512', 0.6, 24, 53.73, 4.30),
    PaperRow('PP-LCNet-0.25x', 'pplcnet:0.25', 1.5, 18, 51.86, 1.74),
    PaperRow('MobileNetV2-0.5x', 'torchvision:mobilenet_v2:0.5', 2.0, 99, 65.03, 2.85),
    PaperRow('MobileNetV3-large-0.35x', 'timm-mobilenetv3:mobilenetv3_large_100:0.35', 2.1, 41,
             64.32, 3.68),
    PaperRow('ShuffleNetV2-0.5x', 'shufflenetv2:24,48,96,192,1024', 1.4, 43, 60.32, 4.65),
    PaperRow('PP-LCNet-0.5x', 'pplcnet:0.5', 1.9, 47, 63.14, 2.05),
    PaperRow('MobileNetV1-1x', 'timm:mobilenetv1_100', 4.3, 578, 70.99, 3.38),
    PaperRow('MobileNetV2-1x', 'torchvision:mobilenet_v2:1.0', 3.5, 327, 72.15, 4.26),
    PaperRow('MobileNetV3-small-1.25x', 'timm-mobilenetv3:mobilenetv3_small_100:1.25', 3.6, 100,
             70.67, 3.95),
    PaperRow('PP-LCNet-1x', 'pplcnet:1.0', 3.0, 161, 71.32, 2.46),
)
# The paper gives no params/MACs for the detectors and segmenters.
TABLE4 = (
    PaperRow('PicoDet MobileNetV3-large-0.35x',
             'config:configs/det/picodet_mobilenetv3-large_0.35x_coco.py', None, None, 19.2, 8.1),
    PaperRow('PicoDet PP-LCNet-0.5x', 'config:configs/det/picodet_pplcnet_0.5x_coco.py', None,
             None, 20.3, 6.0),
    PaperRow('PicoDet MobileNetV3-large-0.75x',
             'config:configs/det/picodet_mobilenetv3-large_0.75x_coco.py', None, None, 25.8, 11.1),
    PaperRow('PicoDet PP-LCNet-1x', 'config:configs/det/picodet_pplcnet_1x_coco.py', None, None,
             26.9, 7.9),
)
TABLE5 = (
    PaperRow('DeepLabV3+ MobileNetV3-large-0.5x',
             'config:configs/seg/deeplabv3plus_mobilenetv3-large_0.5x_os32_cityscapes.py', None,
             None, 55.42, 135),
    PaperRow('DeepLabV3+ PP-LCNet-0.5x',
             'config:configs/seg/deeplabv3plus_pplcnet_0.5x_os32_cityscapes.py', None, None,
             58.36, 82),
    PaperRow('DeepLabV3+ MobileNetV3-large-0.75x',
             'config:configs/seg/deeplabv3plus_mobilenetv3-large_0.75x_os32_cityscapes.py', None,
             None, 64.53, 151),
    PaperRow('DeepLabV3+ PP-LCNet-1x',
             'config:configs/seg/deeplabv3plus_pplcnet_1x_os32_cityscapes.py', None, None, 66.03,
             96),
)


@dataclasses.dataclass(frozen=True)
class PaperTable:
    """A table: its rows, the input size it is timed at, and the pairs whose ratios matter."""
    key: str
    title: str
    rows: Tuple[PaperRow, ...]
    input_hw: Tuple[int, int]
    metric: str
    pairs: Tuple[Tuple[str, str], ...]  # (ours, baseline): ratio = ours / baseline


TABLES = {
    'table3': PaperTable(
        'table3', 'Table 3: PP-LCNet against other light networks (ImageNet classifiers)', TABLE3,
        (224, 224), 'top-1',
        (('PP-LCNet-0.25x', 'MobileNetV2-0.25x'), ('PP-LCNet-0.25x', 'MobileNetV3-small-0.35x'),
         ('PP-LCNet-0.25x', 'ShuffleNetV2-0.33x'), ('PP-LCNet-0.5x', 'MobileNetV2-0.5x'),
         ('PP-LCNet-0.5x', 'MobileNetV3-large-0.35x'), ('PP-LCNet-0.5x', 'ShuffleNetV2-0.5x'),
         ('PP-LCNet-1x', 'MobileNetV1-1x'), ('PP-LCNet-1x', 'MobileNetV2-1x'),
         ('PP-LCNet-1x', 'MobileNetV3-small-1.25x'))),
    'table4': PaperTable(
        'table4', 'Table 4: PicoDet detectors (network alone, no NMS), 416x416', TABLE4,
        (416, 416), 'mAP',
        (('PicoDet PP-LCNet-0.5x', 'PicoDet MobileNetV3-large-0.35x'),
         ('PicoDet PP-LCNet-1x', 'PicoDet MobileNetV3-large-0.75x'))),
    'table5': PaperTable(
        'table5', 'Table 5: DeepLabV3+ segmenters (network alone), 1024x2048', TABLE5,
        (1024, 2048), 'mIoU',
        (('DeepLabV3+ PP-LCNet-0.5x', 'DeepLabV3+ MobileNetV3-large-0.5x'),
         ('DeepLabV3+ PP-LCNet-1x', 'DeepLabV3+ MobileNetV3-large-0.75x'))),
}


def all_tables() -> Dict[str, PaperTable]:
    """Tables 2 to 5; Table 2's rows (the 8 scales, built from ``configs/cls``) live in
    :mod:`pplc_vision.benchmark.paper_tables`."""
    from .paper_tables import TABLE2
    table2 = PaperTable('table2', 'Table 2: PP-LCNet scales (ImageNet classifiers)', TABLE2,
                        (224, 224), 'top-1', ())
    return dict(table2=table2, **TABLES)


def build_row_model(build: str, root: str = '.') -> nn.Module:
    """The eval-mode network that a :class:`PaperRow` names (random weights)."""
    kind, _, spec = build.partition(':')
    if kind == 'pplcnet':
        from ..converters import build_pplcnet_classifier
        model = build_pplcnet_classifier(float(spec))
    elif kind == 'torchvision':
        import torchvision.models as tvm
        fn, width = spec.split(':')
        model = getattr(tvm, fn)(width_mult=float(width))
    elif kind == 'shufflenetv2':
        from torchvision.models.shufflenetv2 import ShuffleNetV2
        model = ShuffleNetV2([4, 8, 4], [int(c) for c in spec.split(',')])
    elif kind == 'timm-mobilenetv3':
        # timm's MobileNetV3 keeps the 1280-channel head at every width, as Paddle's does
        from timm.models.mobilenetv3 import _gen_mobilenet_v3
        variant, width = spec.split(':')
        model = _gen_mobilenet_v3(variant, float(width), pretrained=False)
    elif kind == 'timm':
        import timm
        model = timm.create_model(spec, pretrained=False)
    elif kind == 'config':
        from ..apis import build_model_from_config, load_config
        model = build_model_from_config(load_config(os.path.join(root, spec)))
    else:
        raise ValueError(f'unknown row builder {build!r}')
    model.eval()
    return model


def parse_engine_specs(specs: Sequence[str]) -> List[Tuple[str, str]]:
    """``['openvino:int8', 'pytorch']`` -> ``[('openvino', 'int8'), ('pytorch', 'fp32')]``."""
    from ..deploy.engines import check_engine
    parsed = []
    for spec in specs:
        engine, _, precision = spec.partition(':')
        precision = precision or 'fp32'
        check_engine(engine, precision)
        parsed.append((engine, precision))
    return parsed


def prepare_engine_inputs(model: nn.Module, hw: Tuple[int, int], images: Sequence[np.ndarray],
                          calib_count: int, drift_count: int) -> Tuple[np.ndarray, np.ndarray]:
    """Calibration and drift crops in the model's normalisation; BN statistics from the former."""
    from ..deploy.engines import as_tensor_module
    from ..deploy.quantize import preprocessor_mean_std, random_crops, recalibrate_batchnorm
    mean, std = preprocessor_mean_std(model)
    calibration = random_crops(images, calib_count, hw, mean, std, seed=0)
    drift = random_crops(images, drift_count, hw, mean, std, seed=1)
    step = 16 if hw[0] * hw[1] <= 512 * 512 else 2
    recalibrate_batchnorm(as_tensor_module(model),
                          [torch.from_numpy(calibration[i:i + step])
                           for i in range(0, len(calibration), step)])
    return calibration, drift


def measure_table(table: PaperTable,
                  engines: Sequence[Tuple[str, str]],
                  threads: int = 2,
                  warmup: int = 30,
                  iters: int = 200,
                  calib_dir: Optional[str] = None,
                  calib_images: int = 32,
                  drift_images: int = 8,
                  root: str = '.',
                  rows: Optional[Sequence[str]] = None,
                  log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Measure every row of ``table`` (or the named ``rows``) on every engine spec."""
    from ..deploy.quantize import load_images
    images = load_images(calib_dir)
    selected = [r for r in table.rows if rows is None or r.name in rows]
    measured = []
    for row in selected:
        log(f'{table.key}: {row.name}')
        model = build_row_model(row.build, root)
        complexity = measure_complexity(model, (3, ) + tuple(table.input_hw))
        calibration, drift = prepare_engine_inputs(model, table.input_hw, images, calib_images, drift_images)
        latencies = {}
        for engine, precision in engines:
            result = benchmark_model(model, drift, engine, precision, threads, warmup, iters,
                                     calibration=calibration)
            latencies[f'{engine}:{precision}'] = result
        measured.append(dict(row=dataclasses.asdict(row), params_m=complexity.params_m,
                             macs_m=complexity.macs_m, latency=latencies))
    return dict(table=table.key, title=table.title, input_hw=list(table.input_hw),
                threads=threads, engines=[f'{e}:{p}' for e, p in engines], rows=measured,
                ratios=table_ratios(table, measured), environment=environment())


def table_ratios(table: PaperTable, measured: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Latency ratio ours/baseline of each pair, measured (per engine) and the paper's."""
    by_name = {m['row']['name']: m for m in measured}
    paper = {r.name: r for r in table.rows}
    out = []
    for ours, base in table.pairs:
        if ours not in by_name or base not in by_name:
            continue
        ratios = {spec: by_name[ours]['latency'][spec]['latency_ms']['median'] /
                  by_name[base]['latency'][spec]['latency_ms']['median']
                  for spec in by_name[ours]['latency']}
        out.append(dict(ours=ours, baseline=base, measured=ratios,
                        paper=paper[ours].latency_ms / paper[base].latency_ms))
    return out


def paddle_comparison(engines: Sequence[Tuple[str, str]],
                      threads: int = 2,
                      warmup: int = 30,
                      iters: int = 200,
                      scale: float = 1.0,
                      calib_dir: Optional[str] = None,
                      workdir: Optional[str] = None,
                      log: Callable[[str], None] = print) -> Dict[str, Any]:
    """PaddleClas' PPLCNet on Paddle Inference + oneDNN against our engines, same weights.

    The Paddle model's BatchNorm statistics are estimated on real images, its weights are
    converted into our classifier, and both are timed in this one call at 224x224, batch 1; also
    our eager model fused and unfused. Raises ``EngineNotInstalled`` without paddle; paddle must
    have been imported before torch (see ``PaddleInferenceEngine``).
    """
    import tempfile
    from ..converters import build_pplcnet_classifier, convert_paddle_pplcnet
    from ..deploy.engines import (PaddleInferenceEngine, PyTorchEngine, build_paddle_pplcnet,
                                  measure_drift, run_batches)
    from ..deploy.quantize import load_images, random_crops
    images = load_images(calib_dir)
    calibration = random_crops(images, 32, (224, 224), seed=0)
    drift = random_crops(images, 8, (224, 224), seed=1)
    paddle_model = build_paddle_pplcnet(scale, calibration)
    params = {k: v.numpy() for k, v in paddle_model.state_dict().items()}
    ours = build_pplcnet_classifier(scale)
    ours.load_state_dict(convert_paddle_pplcnet(params), strict=True)
    ours.eval()
    results = {}
    for engine, precision in list(engines) + [('pytorch', 'fp32')]:
        log(f'ours: {engine} {precision}')
        results[f'{engine}:{precision}'] = benchmark_model(
            ours, drift, engine, precision, threads, warmup, iters, calibration=calibration)
    log('ours: pytorch fp32, BN not fused')
    results['pytorch:fp32:unfused'] = benchmark_model(ours, drift, 'pytorch', 'fp32', threads,
                                                      warmup, iters, fuse=False)
    # Paddle last: its OpenMP threads spin after each run and would slow engines timed after it
    reference = run_batches(PyTorchEngine(ours, 'fp32', fuse=False), drift)
    with tempfile.TemporaryDirectory(prefix='pplc_paddle_') as tmp:
        log(f'Paddle Inference (oneDNN) PPLCNet x{scale}')
        paddle_engine = PaddleInferenceEngine(paddle_model, (1, 3, 224, 224), workdir or tmp,
                                              'fp32', threads)
        paddle = time_engine(paddle_engine, drift[:1], warmup, iters)
        paddle['drift_vs_pytorch_fp32'] = dataclasses.asdict(
            measure_drift(reference, run_batches(paddle_engine, drift)))
    results = {'paddle_inference:fp32': paddle, **results}
    base = paddle['latency_ms']['median']
    speedups = {k: base / v['latency_ms']['median'] for k, v in results.items()}
    fused_gain = (results['pytorch:fp32:unfused']['latency_ms']['median'] /
                  results['pytorch:fp32']['latency_ms']['median'])
    return dict(scale=scale, threads=threads, results=results, speedup_vs_paddle=speedups,
                fused_over_unfused_speedup=fused_gain, environment=environment())


# ----------------------------------------------------------------------------------------------
# Markdown for docs/benchmarks.md
def environment_line(env: Dict[str, Any], threads: int) -> str:
    """One line naming the CPU, the thread count and the library versions of a measurement."""
    cpu, v = env['cpu'], env['versions']
    libs = ', '.join(f'{k} {v[k]}' for k in ('torch', 'onnxruntime', 'openvino', 'paddlepaddle')
                     if v.get(k))
    return (f"Measured on {cpu['model']} ({cpu['usable_cpus']} usable CPUs; "
            f"{', '.join(cpu['flags'])}), {threads} threads, batch 1; {libs}.")


def _ms(result: Dict[str, Any]) -> str:
    return f"{result['latency_ms']['median']:.2f}"


def render_table(measured: Dict[str, Any]) -> str:
    """A measured table as markdown: our params, MACs and median latency beside the paper's."""
    specs = measured['engines']
    header = (['model', 'params (M) ours / paper', 'MACs (M) ours / paper',
               'paper latency (ms)'] + [f'{s} (ms)' for s in specs])
    lines = [f"### {measured['title']}", '',
             environment_line(measured['environment'], measured['threads']) +
             ' Latency: median; the precision is in each column name.', '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for m in measured['rows']:
        row = m['row']
        paper_params = f"{row['params_m']}" if row['params_m'] is not None else '-'
        paper_macs = f"{row['macs_m']:g}" if row['macs_m'] is not None else '-'
        cells = [row['name'], f"{m['params_m']:.2f} / {paper_params}",
                 f"{m['macs_m']:.0f} / {paper_macs}", f"{row['latency_ms']:g}"]
        cells += [_ms(m['latency'][s]) for s in specs]
        lines.append('| ' + ' | '.join(cells) + ' |')
    if measured['ratios']:
        lines += ['', 'Latency ratios (ours / baseline; below 1 means PP-LCNet is faster):', '',
                  '| pair | paper | ' + ' | '.join(specs) + ' |',
                  '|' + '---|' * (2 + len(specs))]
        for r in measured['ratios']:
            lines.append(f"| {r['ours']} / {r['baseline']} | {r['paper']:.2f} | " +
                         ' | '.join(f"{r['measured'][s]:.2f}" for s in specs) + ' |')
    drifts = [(m['row']['name'], s, m['latency'][s]['drift_vs_pytorch_fp32'])
              for m in measured['rows'] for s in specs if not s.startswith('pytorch:fp32')]
    if drifts:
        worst = max(drifts, key=lambda d: d[2]['relative_error'])
        lines += ['', f"Largest output drift against PyTorch fp32: {worst[0]} on {worst[1]}, "
                  f"relative error {worst[2]['relative_error']:.2e}."]
    return '\n'.join(lines)


def render_paddle(comparison: Dict[str, Any]) -> str:
    """The Paddle Inference comparison as markdown."""
    lines = [f"### PP-LCNet-{comparison['scale']:g}x: Paddle Inference + oneDNN against our "
             f"deployment (224x224)", '',
             environment_line(comparison['environment'], comparison['threads']) +
             ' Same weights on both sides (PaddleClas model, BN statistics from real images, '
             'converted).', '',
             '| engine | precision | median (ms) | p90 | p99 | speed-up over Paddle | '
             'rel. error vs PyTorch fp32 | top-1 agreement |', '|---|---|---|---|---|---|---|---|']
    for key, r in comparison['results'].items():
        d = r.get('drift_vs_pytorch_fp32', {})
        top1 = d.get('top1_agreement')
        name = key.rsplit(':', 1)[0] if not key.endswith('unfused') else 'pytorch (unfused)'
        ms = r['latency_ms']
        lines.append(f"| {name} | {r['precision']} | {ms['median']:.2f} | {ms['p90']:.2f} | "
                     f"{ms['p99']:.2f} | {comparison['speedup_vs_paddle'][key]:.2f}x | "
                     f"{d.get('relative_error', 0):.1e} | "
                     f"{'-' if top1 is None else f'{100 * top1:.0f}%'} |")
    lines += ['', f"Eager PyTorch, fused (BatchNorms folded, each convolution and its activation "
              f"one pre-packed oneDNN call) over unfused: "
              f"{comparison['fused_over_unfused_speedup']:.2f}x faster."]
    return '\n'.join(lines)


def update_markdown_section(path: str, key: str, text: str) -> None:
    """Replace the text between ``<!-- BEGIN key -->`` and ``<!-- END key -->`` in ``path``
    (appending the section when the markers are absent), atomically."""
    import tempfile
    begin, end = f'<!-- BEGIN {key} -->', f'<!-- END {key} -->'
    content = open(path).read() if os.path.exists(path) else '# Benchmarks\n'
    block = f'{begin}\n{text.strip()}\n{end}'
    if begin in content and end in content:
        head, _, rest = content.partition(begin)
        _, _, tail = rest.partition(end)
        content = head + block + tail
    else:
        content = content.rstrip('\n') + '\n\n' + block + '\n'
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.md',
                               dir=os.path.dirname(os.path.abspath(path)))
    with os.fdopen(fd, 'w') as f:
        f.write(content)
    os.replace(tmp, path)
