"""The paper's first figure from a run of the tables: ImageNet top-1 against CPU latency.

Accuracy is the published top-1 of each row (the paper's Tables 2 and 3: PP-LCNet at its scales
and the networks it is compared with); latency is what the same run of
``tools/analysis_tools/reproduce_tables.py`` measured for that row on one engine and precision.
One curve per network family (PP-LCNet, MobileNetV3-small, ...), all at that one engine and
precision. The caption names the machine, engine, precision and threads; it is written into the
PNG's text chunk (``Description``) and returned for the line under the image in the docs.
"""
import re
from typing import Any, Dict, List, Tuple

from .machine import cpu_line
from .paper_data import TABLES

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
    env = measured.get('environment')
    machine = cpu_line(env['cpu']) if env else measured['machine']
    torch_version = env['versions'].get('torch') if env else measured['torch']
    source = f" ({measured['source']})" if measured.get('source') else ''
    h, w = measured['input_hw']
    return (f"ImageNet-1k top-1 as published (PP-LCNet paper, Tables 2 and 3) against latency "
            f"measured here{source}: engine {engine}, precision {precision}, "
            f"{measured['threads']} threads, batch 1, {h}x{w}, median over "
            f"{measured.get('rounds', 1)} interleaved rounds; machine: {machine}; "
            f"torch {torch_version}.")


_MACHINE = re.compile(r'^Measured on (?P<machine>.+?); (?P<threads>\d+) threads, batch 1; '
                      r'torch (?P<torch>[^,;\s]+)', re.M)
_ROUNDS = re.compile(r'p10-p90 of the (\d+) round medians')


def tables_from_doc(text: str, spec: str, doc: str = 'the doc') -> Dict[str, Dict[str, Any]]:
    """The classification sections of a benchmarks document (as ``reproduce_tables.py --doc``
    wrote them) as figure input: each row's median latency at ``spec`` from the section's
    latency table, its published top-1, and the section's machine, threads and rounds. No
    timing: the figure of a run already in the document. A ValueError names what is missing."""
    tables = {}
    for key in CLASSIFICATION_TABLES:
        begin, end = f'<!-- BEGIN {key} -->', f'<!-- END {key} -->'
        if begin not in text or end not in text:
            continue
        section = text.split(begin, 1)[1].split(end, 1)[0]
        machine, rounds = _MACHINE.search(section), _ROUNDS.search(section)
        if not machine or not rounds:
            raise ValueError(f'{doc}: section {key} has no "Measured on ...; N threads, batch 1; '
                             f'torch X" line or no round count')
        published = {r.name: r.metric for r in TABLES[key].rows}
        lines = [ln for ln in section.splitlines() if ln.startswith('| model |')]
        header = next((ln for ln in lines if f'| {spec} (ms) |' in ln), None)
        if header is None:
            raise ValueError(f'{doc}: section {key} has no {spec} latency column')
        cells = [c.strip() for c in header.strip('|').split('|')]
        column = cells.index(f'{spec} (ms)')
        rows = []
        for line in section[section.index(header):].splitlines()[2:]:
            if not line.startswith('|'):
                break
            row = [c.strip() for c in line.strip('|').split('|')]
            if row[0] in published:
                rows.append(dict(row=dict(name=row[0], metric=published[row[0]]), latency={
                    spec: dict(latency_ms=dict(median=float(row[column].split()[0])))}))
        tables[key] = dict(rows=rows, machine=machine['machine'], torch=machine['torch'],
                           threads=int(machine['threads']), rounds=int(rounds.group(1)),
                           input_hw=TABLES[key].input_hw)
    if not tables:
        raise ValueError(f'{doc} has no table2 or table3 section')
    if len({(t['machine'], t['threads'], t['torch']) for t in tables.values()}) > 1:
        raise ValueError(f'{doc}: the table2 and table3 sections come from different machines '
                         'or thread counts; draw the figure from one run')
    for t in tables.values():
        t['source'] = f"{doc}, {' and '.join(tables)} sections"
    return tables


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

