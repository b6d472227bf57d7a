"""A latency report as a few readable lines, and any measurement as JSON on disk."""
import json
from typing import Any, Dict

from ..deploy.engines import EngineChoice
from ..engine.atomic_save import atomic_write_bytes
from .machine import cpu_line
from .roofline import rate_text, roofline_sentence


def format_result(report: Dict[str, Any]) -> str:
    """A few human-readable lines: one per timed part, precision always shown."""
    env = report['environment']
    lines = [f"{report['config']} ({report['task']}), weights: {report['weights']}",
             f"Machine: {cpu_line(env['cpu'])}; threads: {report['threads']}"]
    if env.get('roofline'):
        lines.append(roofline_sentence(env['roofline']))
    if report.get('engine_choice'):
        lines.append(EngineChoice(**report['engine_choice']).line())
    for part in report['results']:
        ms = part['latency_ms']
        line = (f"{part['part']:>10} | {part['engine']} {part['precision']} | batch "
                f"{part['batch']} | median {ms['median']:.3f} ms, p90 {ms['p90']:.3f}, "
                f"p99 {ms['p99']:.3f}, min {ms['min']:.3f}, max {ms['max']:.3f} "
                f"({ms['iters']} runs)")
        spread = part.get('rounds_ms')
        if spread:
            line += (f" | {spread['rounds']} rounds: medians p10 {spread['p10']:.3f}, "
                     f"p90 {spread['p90']:.3f}")
        rate = part.get('achieved')
        if rate:
            line += f" | {rate_text(rate, 1)} GMAC/s" + (
                f" of the {rate['peak']} GEMM roof" if 'peak' in rate and not rate['above_roof']
                else '')
        drift = part.get('drift_vs_pytorch_fp32')
        if drift:
            line += f" | rel. error vs fp32 {drift['relative_error']:.2e}"
            if drift['top1_agreement'] is not None:
                line += (f", top-1 agreement {100 * drift['top1_agreement']:.2f}% on "
                         f"{drift['images']} images")
        accuracy = part.get('top1_accuracy')
        if accuracy:
            line += ' | top-1 accuracy ' + ', '.join(f'{k} {100 * v:.2f}%'
                                                     for k, v in accuracy.items())
        lines.append(line)
    return '\n'.join(lines)


def write_json(report: Dict[str, Any], path: str) -> None:
    """Write ``report`` as indented JSON (and a final newline), atomically."""
    atomic_write_bytes((json.dumps(report, indent=2) + '\n').encode(), path)
