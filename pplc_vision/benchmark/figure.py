"""The paper's first figure from a run of the tables: ImageNet top-1 against CPU latency.

Accuracy is the published top-1 of each row (the paper's Tables 2 and 3: PP-LCNet at its scales
and the networks it is compared with); latency is what the same run of
``tools/analysis_tools/reproduce_tables.py`` measured for that row on one engine and precision.
One curve per network family (PP-LCNet, MobileNetV3-small, ...), all at that one engine and
precision. The caption names the machine, engine, precision and threads; it is written into the
PNG's text chunk (``Description``) and returned for the line under the image in the docs.
"""
from typing import Any, Dict, List, Tuple

from .machine import cpu_line

CLASSIFICATION_TABLES = ('table2', 'table3')  # their metric is ImageNet-1k top-1


def row_family(name: str) -> str:
    """``'PP-LCNet-0.25x'`` -> ``'PP-LCNet'``, ``'MobileNetV3-small-1.25x'`` ->
    ``'MobileNetV3-small'``: the name without its width."""
    return name.rsplit('-', 1)[0]


def figure_points(tables: Dict[str, Dict[str, Any]], spec: str
                  ) -> Dict[str, List[Tuple[float, float, str]]]:
    """``{family: [(latency ms, top-1 %, row name), ...]}`` sorted by latency, from the measured
    classification tables that timed ``spec``; a network in both tables counts once."""
    points: Dict[str, List[Tuple[float, float, str]]] = {}
    seen = set()
    for key in CLASSIFICATION_TABLES:
        for m in tables.get(key, {}).get('rows', []):
            name = m['row']['name']
            if name in seen or spec not in m['latency']:
                continue
            seen.add(name)
            points.setdefault(row_family(name), []).append(
                (m['latency'][spec]['latency_ms']['median'], m['row']['metric'], name))
    return {family: sorted(p) for family, p in points.items()}


def figure_caption(tables: Dict[str, Dict[str, Any]], spec: str) -> str:
    """One line: what is plotted, on which machine, engine, precision and threads."""
    measured = next(tables[k] for k in CLASSIFICATION_TABLES if k in tables)
    engine, precision = spec.split(':')
    env = measured['environment']
    h, w = measured['input_hw']
    return (f"ImageNet-1k top-1 as published (PP-LCNet paper, Tables 2 and 3) against latency "
            f"measured here: engine {engine}, precision {precision}, {measured['threads']} "
            f"threads, batch 1, {h}x{w}, median over {measured.get('rounds', 1)} interleaved "
            f"rounds; machine: {cpu_line(env['cpu'])}; torch {env['versions'].get('torch')}.")


def draw_accuracy_latency(tables: Dict[str, Dict[str, Any]], spec: str, path: str) -> str:
    """Draw the figure for ``spec`` (``'engine:precision'``) into the PNG ``path``; returns the
    caption (also stored in the PNG as ``Description``)."""
    import matplotlib  # optional dependency ([deploy] extra): only the figure needs it
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt  # optional, as above

    points = figure_points(tables, spec)
    if not points:
        raise ValueError(f'no classification rows measured with {spec!r} (run table2 or '
                         f'table3 with that engine)')
    caption = figure_caption(tables, spec)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for family in sorted(points, key=lambda f: (f != 'PP-LCNet', f)):
        xs, ys, names = zip(*points[family])
        ax.plot(xs, ys, marker='o', linewidth=2.5 if family == 'PP-LCNet' else 1.2,
                label=family)
        for x, y, name in zip(xs, ys, names):
            ax.annotate(name[len(family) + 1:], (x, y), textcoords='offset points',
                        xytext=(4, -10), fontsize=7)
    threads = next(tables[k]['threads'] for k in CLASSIFICATION_TABLES if k in tables)
    ax.set_xlabel(f'latency (ms), {spec}, {threads} threads, batch 1')
    ax.set_ylabel('ImageNet-1k top-1 (%), as published')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={'Title': 'Accuracy against CPU latency',
                                         'Description': caption})
    plt.close(fig)
    return caption

