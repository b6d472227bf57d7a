"""Markdown of the measured tables for docs/benchmarks.md, and the rewriting of its sections."""
import os
from typing import Any, Dict, List, Sequence, Tuple

from ..engine.atomic_save import atomic_write_bytes
from .machine import environment_line
from .paddle_race import SPREAD_LIMIT
from .roofline import ROOF_RULE, rate_text
from .table_build import ComplexityRow
from .timing import format_spread


def render_table(measured: Dict[str, Any]) -> str:
    """A measured table as markdown: our params, MACs and latency (median and spread across
    rounds) beside the paper's (with each row's input size and the published metric with its
    source where the table has them); the achieved GMAC/s against the same run's roofline; with a
    throughput batch, images per second at batch 1 and at that batch."""
    specs = measured['engines']
    table_hw = measured['input_hw']
    # a table whose rows are timed at their own sizes, or mixes whose metric it shows, says so
    sized = any(m.get('input_hw', table_hw) != table_hw for m in measured['rows'])
    sourced = any(m['row'].get('metric_source') for m in measured['rows'])
    header = (['model'] + ['input'] * sized + ['params (M) ours / paper', 'MACs (M) ours / paper']
              + [f"authors' {measured.get('metric', 'metric')} (source)"] * sourced
              + ['paper latency (ms)'] + [f'{s} (ms)' for s in specs])
    rounds = measured.get('rounds', 1)
    lines = [f"### {measured['title']}", '']
    if measured.get('note'):
        lines += [measured['note'], '']
    lines += [environment_line(measured['environment'], measured['threads']) +
              f" Latency: median over all timed calls, in brackets the p10-p90 of the {rounds} "
              f"round medians (engines interleaved: each round runs every engine, "
              f"{measured.get('warmup_per_round', '?')} untimed then "
              f"{measured.get('iters_per_round', '?')} timed calls each); the precision is in "
              f"each column name.", '',
              '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for m in measured['rows']:
        row = m['row']
        paper_params = f"{row['params_m']}" if row['params_m'] is not None else '-'
        paper_macs = f"{row['macs_m']:g}" if row['macs_m'] is not None else '-'
        cells = ([row['name']] + ['x'.join(map(str, m.get('input_hw', table_hw)))] * sized +
                 [f"{m['params_m']:.2f} / {paper_params}", f"{m['macs_m']:.0f} / {paper_macs}"])
        if sourced:
            cells.append(f"{row['metric']:g} ({row['metric_source']})"
                         if row['metric'] is not None else '-')
        cells.append(f"{row['latency_ms']:g}" if row['latency_ms'] is not None else '-')
        cells += [format_spread(m['latency'][s]) for s in specs]
        lines.append('| ' + ' | '.join(cells) + ' |')
    if measured['ratios']:
        lines += ['', 'Latency ratios (ours / baseline; below 1 means PP-LCNet is faster):', '',
                  '| pair | paper | ' + ' | '.join(specs) + ' |',
                  '|' + '---|' * (2 + len(specs))]
        for r in measured['ratios']:
            lines.append(f"| {r['ours']} / {r['baseline']} | {r['paper']:.2f} | " +
                         ' | '.join(f"{r['measured'][s]:.2f}" for s in specs) + ' |')
    lines += _achieved_lines(measured, specs)
    lines += _throughput_lines(measured, specs)
    drifts = [(m['row']['name'], s, m['latency'][s]['drift_vs_pytorch_fp32'])
              for m in measured['rows'] for s in specs if not s.startswith('pytorch:fp32')]
    if drifts:
        worst = max(drifts, key=lambda d: d[2]['relative_error'])
        lines += ['', f"Largest output drift against PyTorch fp32: {worst[0]} on {worst[1]}, "
                  f"relative error {worst[2]['relative_error']:.2e}."]
    return '\n'.join(lines + _command_lines(measured))


def _achieved_lines(measured: Dict[str, Any], specs: Sequence[str]) -> List[str]:
    """Achieved GMAC/s per row and engine, with the fraction of the same run's GEMM roof."""
    if not measured['rows'] or 'achieved' not in next(iter(measured['rows'][0]['latency']
                                                           .values())):
        return []
    lines = ['', 'Achieved rate at batch 1: GMAC/s (MACs / median latency), in brackets the '
             'fraction of the GEMM roof measured in this run at the same threads (2 x MAC/s over '
             f'the best GEMM rate; {ROOF_RULE}):', '', '| model | ' + ' | '.join(specs) + ' |',
             '|' + '---|' * (1 + len(specs))]
    for m in measured['rows']:
        cells = [rate_text(m['latency'][s]['achieved']) for s in specs]
        lines.append(f"| {m['row']['name']} | " + ' | '.join(cells) + ' |')
    return lines


def _throughput_lines(measured: Dict[str, Any], specs: Sequence[str]) -> List[str]:
    """Images per second at batch 1 (latency threads) and at the throughput batch (all cores)."""
    batch = measured.get('throughput_batch')
    if not batch:
        return []
    batched = [s for s in specs if any(s in m['throughput'] for m in measured['rows'])]
    header = [f'{s} batch 1 / batch {batch} (images/s)' for s in batched]
    lines = ['', f"Throughput: images per second at batch 1 ({measured['threads']} threads) and "
             f"at batch {batch} ({measured['throughput_threads']} threads, the CPUs this process "
             f"may use), from the median call, raced in the same rounds as the latencies "
             f"(int8 engines are calibrated for batch 1 only and left out):", '',
             '| model | ' + ' | '.join(header) + ' |', '|' + '---|' * (1 + len(header))]
    for m in measured['rows']:
        cells = [f"{1e3 / m['latency'][s]['latency_ms']['median']:.0f} / "
                 f"{m['throughput'][s]['images_per_s']:.0f}" for s in batched]
        lines.append(f"| {m['row']['name']} | " + ' | '.join(cells) + ' |')
    return lines


def _paddle_rounds(comparison: Dict[str, Any]) -> str:
    """``'7 interleaved rounds (5 planned, ...)'``: the rounds of a Paddle race, and how many
    were added while Paddle's round medians spread (per row where the race has rows)."""
    rounds, limit = comparison['rounds'], comparison.get('max_rounds', 0)
    planned = comparison.get('planned_rounds', rounds)
    if limit <= planned:
        return f'{rounds} interleaved rounds'
    ran = (', '.join(f"{r['name']} {r['rounds']}" for r in comparison['rows'])
           if 'rows' in comparison else f'{rounds}')
    return (f"{planned} interleaved rounds, then one more at a time while a Paddle baseline's "
            f"round medians spread (p10-p90) past {100 * SPREAD_LIMIT:.0f}% of their median, "
            f"at most {limit} (rounds run: {ran})")


def _paddle_race_header(comparison: Dict[str, Any], macs: str) -> str:
    """How a Paddle race was timed, what its speed-ups compare and what its GMAC/s mean."""
    return (f"{_paddle_rounds(comparison)} (engine order rotated each round, "
            f"{comparison['settle_s']:g} s pause before each engine: Paddle's OpenMP threads "
            f"spin after a run), each engine {comparison['warmup']} untimed then "
            f"{comparison['iters']} timed calls per round; latency: median over all timed "
            f"calls, in brackets the p10-p90 of the round medians. Speed-ups compare each of our "
            f"engines with Paddle Inference at the same precision (fp32 with fp32, bf16 with "
            f"Paddle's oneDNN bf16, int8 with Paddle int8); none where Paddle has no figure at "
            f"that precision (notes below); where Paddle's round medians spread (p10-p90) by "
            f"more than {100 * SPREAD_LIMIT:.0f}% of its median, also as a range (its p10 over our p90 to its p90 "
            f"over our p10). GMAC/s: {macs} MACs (mmengine's FlopAnalyzer) over "
            f"the median; in brackets the fraction of the GEMM roof measured in this run at the "
            f"same threads (2 x MAC/s over the best GEMM rate; {ROOF_RULE}).")


def _paddle_race_rows(results: Dict[str, Any], speedups: Dict[str, Any], digits: int,
                      agree_digits: int, first: Sequence[str] = ()) -> List[str]:
    """One markdown row per raced engine: engine, precision, latency with spread (``digits``),
    same-precision speed-up, GMAC/s with the fraction of the roof, drift from PyTorch fp32
    (agreement to ``agree_digits``; ``first``: leading cells)."""
    lines = []
    for key, r in results.items():
        s = speedups.get(key)
        if s is None:
            cell = 'baseline'
        elif s['speedup'] is None:
            cell = f"- (no Paddle {r['precision']})"
        else:
            cell = (f"{s['speedup']:.2f}x vs Paddle {r['precision']}"
                    f"{' (ran fp32)' if s['baseline_ran_as_fp32'] else ''}")
            if s.get('speedup_range'):
                low, high = s['speedup_range']
                cell += (f"; range {low:.2f}-{high:.2f}x (Paddle's round medians spread "
                         f"{100 * s['baseline_spread']:.0f}% of its median)")
        a, d = r['achieved'], r.get('drift_vs_pytorch_fp32', {})
        rate = rate_text(a)
        agree = d.get('top1_agreement')
        name = 'pytorch (BN not folded)' if key.endswith(':unfused') else key.split(':')[0]
        lines.append('| ' + ' | '.join([
            *first, name, r['precision'], format_spread(r, digits), cell, rate,
            f"{d.get('relative_error', 0):.1e}",
            '-' if agree is None else f'{100 * agree:.{agree_digits}f}%']) + ' |')
    return lines


def _paddle_race_notes(results: Dict[str, Any], speedups: Dict[str, Any],
                       skipped: Dict[str, str], flags: Sequence[str]) -> List[str]:
    """Notes: a Paddle precision that ran fp32 kernels, what was not run and why, and our
    engines without a same-precision Paddle figure."""
    notes = [f"Paddle Inference {r['precision']} (`enable_mkldnn_bfloat16`) runs without "
             f"complaint on this CPU but gives bit-identical outputs to its fp32: it ran fp32 "
             f"kernels (CPU flags: {', '.join(flags)}), so its time is an fp32 time, and a "
             f"speed-up against it (\"ran fp32\") compares with Paddle running fp32."
             for key, r in results.items() if r.get('identical_to_reference')]
    notes += [f"Not run: {key}: {why}" for key, why in skipped.items()]
    unmatched = [k for k, s in speedups.items()
                 if s['speedup'] is None and s['paddle'] not in skipped]
    notes += [f"No speed-up for {k}: {speedups[k]['missing']}." for k in unmatched]
    return notes


def render_paddle(comparison: Dict[str, Any]) -> str:
    """The Paddle Inference comparison (interleaved rounds, same-precision speed-ups) as
    markdown."""
    lines = [f"### PP-LCNet-{comparison['scale']:g}x: Paddle Inference + oneDNN against our "
             f"deployment (224x224)", '',
             environment_line(comparison['environment'], comparison['threads']) +
             ' Same weights on both sides (PaddleClas model, BN statistics from real images, '
             'converted). ' + _paddle_race_header(comparison, f"{comparison['macs'] / 1e6:.0f} M"),
             '', '| engine | precision | latency (ms) | speed-up over Paddle, same precision | '
             'GMAC/s (% of roof) | rel. error vs PyTorch fp32 | top-1 agreement |',
             '|---|---|---|---|---|---|---|']
    lines += _paddle_race_rows(comparison['results'], comparison['speedup_vs_paddle'], 2, 0)
    notes = _paddle_race_notes(comparison['results'], comparison['speedup_vs_paddle'],
                               comparison['skipped'], comparison['environment']['cpu']['flags'])
    notes.append(f"PyTorch, fused (BatchNorms folded, then traced, frozen and optimised for "
                 f"inference: each convolution and its activation one oneDNN call) over "
                 f"BN not folded: {comparison['fused_over_unfused_speedup']:.2f}x faster.")
    lines += [''] + [f'- {n}' for n in notes] + _command_lines(comparison)
    return '\n'.join(lines)


def render_paddleseg(comparison: Dict[str, Any]) -> str:
    """The PaddleSeg (Paddle Inference) comparison of the Table 5 segmenters (interleaved
    rounds, same-precision speed-ups) as markdown."""
    h, w = comparison['input_hw']
    rows = comparison['rows']
    macs = ', '.join(f"{r['macs'] / 1e9:.1f} G ({r['name']})" for r in rows)
    lines = [f"### DeepLabV3+ (Table 5): PaddleSeg on Paddle Inference + oneDNN against our "
             f"deployment ({h}x{w})", '',
             environment_line(comparison['environment'], comparison['threads']) +
             ' Same weights on both sides (PaddleSeg DeepLabV3P, BN statistics from real images, '
             'converted by `paddleseg2mmseg`); the network alone (stride-4 logits). Each model '
             'raced on its own. ' + _paddle_race_header(comparison, macs), '',
             '| model | params ours / PaddleSeg | engine | precision | latency (ms) | '
             'speed-up over Paddle, same precision | GMAC/s (% of roof) | '
             'rel. error vs PyTorch fp32 | pixel agreement |', '|---' * 9 + '|']
    notes = []
    for row in rows:
        lines += _paddle_race_rows(row['results'], row['speedup_vs_paddle'], 1, 2, [
            row['name'], f"{row['params'] / 1e6:.3f}M / {row['paddle_params'] / 1e6:.3f}M"])
        notes += [f"{row['name']}: {n}" for n in _paddle_race_notes(
            row['results'], row['speedup_vs_paddle'], row['skipped'],
            comparison['environment']['cpu']['flags'])]
    if notes:
        lines += [''] + [f'- {n}' for n in notes]
    return '\n'.join(lines + _command_lines(comparison))


def _command_lines(comparison: Dict[str, Any]) -> List[str]:
    """The command that measured ``comparison``, when it records one."""
    return ['', 'Command:', '', f"    {comparison['command']}"] if comparison.get('command') \
        else []


def render_paddledet(comparison: Dict[str, Any]) -> str:
    """The end-to-end PicoDet race against PaddleDetection on Paddle Inference as markdown."""
    h, w = comparison['input_hw']
    params = comparison['params']
    load = comparison['load_average']
    images = ', '.join(f'`{p}` ({n} detections, {c} NMS candidates)' for p, n, c in zip(
        comparison['images'], comparison['detections_per_image'],
        comparison['nms_candidates_per_image']))
    base = next(k for k in comparison['results'] if k.startswith('paddle_inference:'))
    name = comparison['model']
    lines = [f"### {name} end to end ({h}x{w}): PaddleDetection on Paddle Inference "
             f"+ oneDNN against our deployment", '',
             environment_line(comparison['environment'], comparison['threads']) +
             f" Load average (`uptime`) {load['before'][0]:.2f} before, {load['after'][0]:.2f} "
             f"after the run. Same weights on both sides: PaddleDetection's own {name} "
             f"(`{comparison['upstream']}`, seeded random weights, class predictors redrawn so "
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
            f"{r['rounds_ms']['min']:.1f}-{r['rounds_ms']['max']:.1f} | "
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
    return '\n'.join(lines + _command_lines(comparison))


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


OVERHEAD_GRAPHS = {'head': 'head outputs (`--head-outputs`)',
                   'nms': 'NMS in the graph (export default)',
                   'logits': 'logits at input size (export default)',
                   'labels': 'label map (`--seg-output labels`)'}


def render_overhead(result: Dict[str, Any]) -> str:
    """The deployed predictor's image-to-result latency beside the network alone, as markdown."""
    threads, load = result['threads'], result['load_average']
    lines = [f"### Predictor overhead: image to result against the network alone "
             f"({result['engine']} {result['precision']})", '',
             environment_line(result['environment'], threads) +
             f" Load average (`uptime`) {load['before'][0]:.2f} before, {load['after'][0]:.2f} "
             f"after the run.", '',
             f"`Predictor(config, graph, engine='{result['engine']}', precision="
             f"'{result['precision']}', threads={threads})` called on a photo already decoded "
             f"(BGR array): the config's test pipeline, the exported graph, the model's own "
             f"post-processing. Network alone: the model's network (`as_tensor_module`: PicoDet's "
             f"head maps, DeepLabV3+'s stride-4 logits) on the same engine, on the batch the graph "
             f"normalises inside; graph alone: the predictor's graph on its pre-processed batch. "
             f"Weights: {result['rows'][0]['weights'] if result['rows'] else '-'}. "
             f"{result['rounds']} interleaved rounds (order rotated each round), each contender "
             f"{result['warmup']} untimed then {result['iters']} timed calls per round "
             f"(segmentation {result['seg_iters']}); medians over all timed calls with the p10-p90 "
             f"of the round medians; the stages are medians of the predictor's own timing. "
             f"Overhead: predictor / network alone - 1; host: pre- plus post-processing over the "
             f"network alone.", '',
             '| model | graph | input | predictor (ms) | network alone (ms) | overhead | host '
             '| pre-processing (ms) | network stage (ms) | post-processing (ms) '
             '| graph alone (ms) |',
             '|---|---|---|---|---|---|---|---|---|---|---|']
    notes = []
    for row in result['rows']:
        res = row['results']
        network = res['network']
        h, w = row['input_hw']
        for graph in row['graphs']:
            pred = res[f'predictor:{graph}']
            stages = pred['stages_ms']
            host = (stages['preprocess'] + stages['postprocess']) / network['latency_ms']['median']
            lines.append(
                f"| {row['name']} | {OVERHEAD_GRAPHS.get(graph, graph)} | {h}x{w} | "
                f"{format_spread(pred, 1)} | {format_spread(network, 1)} | "
                f"{100 * row['overhead'][graph]:+.0f}% | {100 * host:.0f}% | "
                f"{stages['preprocess']:.1f} | {stages['network']:.1f} | "
                f"{stages['postprocess']:.1f} | {format_spread(res[f'graph:{graph}'], 1)} |")
        decode = res['decode']
        note = (f"{row['name']} (`{row['config']}`): photo `{row['image']}` "
                f"({row['image_size']}); decoding the file (`{decode['file']}`, "
                f"{decode['bytes'] / 1e6:.2f} MB) takes {format_spread(decode, 1)} ms more.")
        if 'candidates' in row:
            dets = ', '.join(f"{n} with {OVERHEAD_GRAPHS.get(g, g).split(' (')[0]}"
                             for g, n in row['detections'].items())
            note += (f" Class-score biases shifted so that {result['candidates']} (prior, class) "
                     f"scores pass the head's score threshold (random weights find everything or "
                     f"nothing; a trained PicoDet has hundreds to a few thousand): the graph gives "
                     f"{row['candidates']} candidates; detections: {dets}.")
        notes.append(note)
    lines += [''] + [f'- {n}' for n in notes]
    return '\n'.join(lines + _command_lines(result))
