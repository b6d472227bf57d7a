"""Markdown of the measured tables for docs/benchmarks.md, and the rewriting of its sections."""
import os
from typing import Any, Dict, Sequence, Tuple

from ..engine.atomic_save import atomic_write_bytes
from .machine import environment_line
from .table_build import ComplexityRow


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
    lines += ['', f"PyTorch, fused (BatchNorms folded, then traced, frozen and optimised for "
              f"inference: each convolution and its activation one oneDNN call) over unfused: "
              f"{comparison['fused_over_unfused_speedup']:.2f}x faster."]
    return '\n'.join(lines)


def render_paddleseg(comparison: Dict[str, Any]) -> str:
    """The PaddleSeg (Paddle Inference) comparison of the Table 5 segmenters as markdown."""
    h, w = comparison['input_hw']
    lines = [f"### DeepLabV3+ (Table 5): PaddleSeg on Paddle Inference + oneDNN against our "
             f"deployment ({h}x{w})", '',
             environment_line(comparison['environment'], comparison['threads']) +
             ' Same weights on both sides (PaddleSeg DeepLabV3P, BN statistics from real images, '
             'converted by `paddleseg2mmseg`); the network alone (stride-4 logits).', '',
             '| model | params ours / PaddleSeg | engine | precision | median (ms) | p90 | '
             'speed-up over Paddle | rel. error vs PyTorch fp32 | pixel agreement |',
             '|---|---|---|---|---|---|---|---|---|']
    for row in comparison['rows']:
        for key, r in row['results'].items():
            d = r.get('drift_vs_pytorch_fp32', {})
            agree = d.get('top1_agreement')
            ms = r['latency_ms']
            lines.append(
                f"| {row['name']} | {row['params'] / 1e6:.3f}M / {row['paddle_params'] / 1e6:.3f}M "
                f"| {key.rsplit(':', 1)[0]} | {r['precision']} | {ms['median']:.1f} | "
                f"{ms['p90']:.1f} | {row['speedup_vs_paddle'][key]:.2f}x | "
                f"{d.get('relative_error', 0):.1e} | "
                f"{'-' if agree is None else f'{100 * agree:.2f}%'} |")
    return '\n'.join(lines)


def render_paddledet(comparison: Dict[str, Any]) -> str:
    """The end-to-end PicoDet race against PaddleDetection on Paddle Inference as markdown."""
    h, w = comparison['input_hw']
    params = comparison['params']
    load = comparison['load_average']
    images = ', '.join(f'`{p}` ({n} detections, {c} NMS candidates)' for p, n, c in zip(
        comparison['images'], comparison['detections_per_image'],
        comparison['nms_candidates_per_image']))
    base = next(k for k in comparison['results'] if k.startswith('paddle_inference:'))
    lines = [f"### PicoDet-LCNet-1.5x end to end ({h}x{w}): PaddleDetection on Paddle Inference "
             f"+ oneDNN against our deployment", '',
             environment_line(comparison['environment'], comparison['threads']) +
             f" Load average (`uptime`) {load['before'][0]:.2f} before, {load['after'][0]:.2f} "
             f"after the run. Same weights on both sides: PaddleDetection's own PicoDet-LCNet-1.5x "
             f"(`picodet_lcnet_1_5x_416_coco`, seeded random weights, class predictors redrawn so "
             f"that it detects, BN statistics from the timed images), converted into `"
             f"{comparison['config']}` and loaded strictly; params "
             f"{params['ours'] / 1e6:.3f}M ours / {params['paddle'] / 1e6:.3f}M PaddleDetection.",
             '', f"End to end per image: image file in (`cv2.imread`), boxes in image pixels out. "
             f"Paddle: PaddleDetection's evaluation reader (ppdet's operators), then the model "
             f"exported by `paddle.jit.save` as PaddleDetection exports it (inputs `image`, "
             f"`scale_factor`; decoding, rescaling and `multiclass_nms3` in the graph). Ours: the "
             f"config's test resize (mmcv, bicubic), then `DetectorExportWrapper` with NMS in the "
             f"graph on the engine. Images: {images}. {comparison['rounds']} interleaved rounds "
             f"(engine order rotated each round, {comparison['settle_s']:g} s pause before each "
             f"engine), each engine {comparison['warmup']} untimed then "
             f"{comparison['iters']} timed calls per image per round.", '',
             '| engine | precision | part | median (ms) | p10 | p90 | round medians (ms) | '
             f'speed-up over {base.replace(":", " ")} | same detections as Paddle '
             f'(images; boxes at IoU >= 0.99) |', '|---|---|---|---|---|---|---|---|---|']
    for key, r in comparison['results'].items():
        ms, agree = r['latency_ms'], r.get('agreement')
        same = (f"{agree['images_agree']}/{agree['images']}; "
                f"{agree['boxes_matched']}/{agree['boxes']}" if agree else '- (network alone)')
        lines.append(
            f"| {key.split(':')[0]} | {r['precision']} | "
            f"{'end to end' if r['part'] == 'end_to_end' else 'network alone'} | "
            f"{ms['median']:.1f} | {ms['p10']:.1f} | {ms['p90']:.1f} | "
            f"{min(r['round_medians_ms']):.1f}-{max(r['round_medians_ms']):.1f} | "
            f"{comparison['speedup_vs_paddle'][key]:.2f}x | {same} |")
    notes = []
    for key, r in comparison['results'].items():
        if key.startswith('paddle_inference:') and key != base and \
                r.get('identical_to_reference'):
            notes.append(f"Paddle Inference {r['precision']} (`enable_mkldnn_bfloat16`) runs "
                         f"without complaint on this CPU but gives bit-identical outputs to "
                         f"{base.split(':')[1]}: it ran fp32 kernels (CPU flags: "
                         f"{', '.join(comparison['environment']['cpu']['flags'])}), so its time "
                         f"is an fp32 time.")
        if 'drift_vs_fp32' in r:
            notes.append(f"int8 is NNCF's network alone ({r['calib_images']} calibration crops; "
                         f"the end-to-end module with NMS is not quantised), beside the fp32 "
                         f"network alone on the same engine; its output drift from fp32: "
                         f"relative error {r['drift_vs_fp32']['relative_error']:.2e} (random "
                         f"weights: not representative of trained ones).")
    notes += [f"Not run: {key}: {why}" for key, why in comparison['skipped'].items()]
    if notes:
        lines += [''] + [f'- {n}' for n in notes]
    if comparison.get('command'):
        lines += ['', 'Command:', '', f"    {comparison['command']}"]
    return '\n'.join(lines)


def render_complexity(rows: Sequence[ComplexityRow], input_hw: Tuple[int, int] = (224, 224)
                      ) -> str:
    """A markdown table: paper vs measured params and MACs."""
    lines = [f'Params and MACs at {input_hw[0]}x{input_hw[1]}: paper (Table 2) vs this repo',
             '', '| model | params paper (M) | params ours (M) | MACs paper (M) | MACs ours (M) '
             '| MACs diff | match |', '|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f'| {r.name} | {r.paper_params_m:.1f} | {r.params_m:.3f} | '
                     f'{r.paper_macs_m:.0f} | {r.macs_m:.1f} | {100 * r.macs_rel_diff:+.1f}% | '
                     f'{"yes" if r.matches else "NO"} |')
    return '\n'.join(lines)


def update_markdown_section(path: str, key: str, text: str) -> None:
    """Replace the text between ``<!-- BEGIN key -->`` and ``<!-- END key -->`` in ``path``
    (appending the section when the markers are absent), atomically."""
    begin, end = f'<!-- BEGIN {key} -->', f'<!-- END {key} -->'
    if os.path.exists(path):
        with open(path) as f:
            content = f.read()
    else:
        content = '# Benchmarks\n'
    block = f'{begin}\n{text.strip()}\n{end}'
    if begin in content and end in content:
        head, _, rest = content.partition(begin)
        _, _, tail = rest.partition(end)
        content = head + block + tail
    else:
        content = content.rstrip('\n') + '\n\n' + block + '\n'
    atomic_write_bytes(content.encode(), path)
