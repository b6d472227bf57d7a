"""The paper's ablation Tables 6 to 9 (PP-LCNet-0.5x) as configs, measured beside the paper.

Each row names the config under ``configs/cls/ablations/`` that builds it (rows equal to the
design use ``configs/cls/pplcnet_0.5x_in1k.py``; Table 9's "+SE" row is the same network as
Table 8's "without last 1x1 conv"). Params and MACs are counted here at 224x224; latency, when
asked for, is timed by :func:`pplc_vision.benchmark.table_build.measure_table` (each distinct config
once); top-1 and latency in the paper's columns are the paper's (Xeon Gold 6148, 10 threads,
Paddle Inference + MKLDNN).
"""
import dataclasses
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .complexity import measure_complexity
from .machine import environment_line
from .paper_data import PaperRow, PaperTable
from .row_models import build_row_model
from .settings import Settings
from .table_build import measure_table
from .timing import format_spread

DESIGN_CONFIG = 'configs/cls/pplcnet_0.5x_in1k.py'
ABLATION_DIR = 'configs/cls/ablations'
INPUT_HW = (224, 224)


def ablation_config(variant: str) -> str:
    """Path (from the repository root) of the ablation config of ``variant``."""
    return f'{ABLATION_DIR}/pplcnet_0.5x_{variant}_in1k.py'


@dataclasses.dataclass(frozen=True)
class AblationRow:
    """One row of an ablation table: the paper's label and numbers, and the config that builds
    the network."""
    label: str
    config: str
    top1: float  # the paper's, %
    latency_ms: float  # the paper's

    @property
    def is_design(self) -> bool:
        return self.config == DESIGN_CONFIG


@dataclasses.dataclass(frozen=True)
class AblationTable:
    key: str
    title: str
    rows: Tuple[AblationRow, ...]


def _row(label: str, variant: Optional[str], top1: float, latency_ms: float) -> AblationRow:
    return AblationRow(label, DESIGN_CONFIG if variant is None else ablation_config(variant),
                       top1, latency_ms)


ABLATION_TABLES: Dict[str, AblationTable] = {
    'table6': AblationTable('table6', 'Table 6: SE positions (13-digit mask over the blocks)', (
        _row('SE 1100000000000', 'se-1100000000000', 61.73, 2.06),
        _row('SE 0000001100000', 'se-0000001100000', 62.17, 2.03),
        _row('SE 0000000000011 (design)', None, 63.14, 2.05),
        _row('SE 1111111111111', 'se-1111111111111', 64.27, 3.80),
    )),
    'table7': AblationTable('table7', 'Table 7: 5x5 kernel positions (13-digit mask)', (
        _row('5x5 1111111111111', 'k5-1111111111111', 63.22, 2.08),
        _row('5x5 1111111000000', 'k5-1111111000000', 62.70, 2.07),
        _row('5x5 0000001111111 (design)', None, 63.14, 2.05),
    )),
    'table8': AblationTable('table8', 'Table 8: one technique removed at a time', (
        _row('without h-swish (ReLU)', 'no-hswish', 61.93, 1.94),
        _row('without SE', 'no-se', 62.51, 1.87),
        _row('without large kernel', 'no-large-kernel', 62.44, 2.01),
        _row('without last 1x1 conv', 'no-last-conv', 59.91, 1.85),
        _row('all kept (design)', None, 63.14, 2.05),
    )),
    'table9': AblationTable('table9', 'Table 9: techniques added to a MobileNetV1-like BaseNet', (
        _row('BaseNet', 'basenet', 55.58, 1.61),
        _row('+ h-swish', 'basenet-hswish', 58.18, 1.66),
        _row('+ large kernel', 'basenet-hswish-k5', 59.09, 1.70),
        _row('+ SE', 'no-last-conv', 59.91, 1.85),
        _row('+ last 1x1 conv, without dropout', 'no-dropout', 62.50, 2.05),
        _row('+ last 1x1 conv, with dropout (design)', None, 63.14, 2.05),
    )),
}


def select_tables(keys: Optional[Sequence[str]] = None) -> List[AblationTable]:
    """The named tables (all by default); an unknown key is a one-line error."""
    keys = list(ABLATION_TABLES) if keys is None else list(keys)
    unknown = [k for k in keys if k not in ABLATION_TABLES]
    if unknown:
        raise ValueError(f'unknown ablation table(s) {unknown}: expected some of '
                         f'{sorted(ABLATION_TABLES)}')
    return [ABLATION_TABLES[k] for k in keys]


def ablation_configs(tables: Optional[Sequence[AblationTable]] = None) -> List[str]:
    """Distinct configs of ``tables`` (all by default), in table order."""
    tables = list(ABLATION_TABLES.values()) if tables is None else tables
    configs: List[str] = []
    for table in tables:
        configs += [r.config for r in table.rows if r.config not in configs]
    return configs


def _as_paper_table(configs: Sequence[str]) -> PaperTable:
    """The distinct configs as one :class:`PaperTable`, each paired with the design."""
    paper = {r.config: r for t in ABLATION_TABLES.values() for r in t.rows}
    rows = tuple(PaperRow(c, f'config:{c}', None, None, paper[c].top1, paper[c].latency_ms)
                 for c in configs)
    return PaperTable('ablations', 'Ablations (PP-LCNet-0.5x)', rows, INPUT_HW, 'top-1',
                      tuple((c, DESIGN_CONFIG) for c in configs if c != DESIGN_CONFIG))


def measure_ablations(keys: Optional[Sequence[str]] = None,
                      engines: Sequence[Tuple[str, str]] = (),
                      settings: Settings = Settings()) -> Dict[str, Any]:
    """Params and MACs of every config of the tables ``keys``, and their latency on
    ``engines`` (none: no timing; engines raced in ``rounds`` interleaved rounds); each
    distinct config is built and measured once."""
    tables = select_tables(keys)
    configs = ablation_configs(tables)
    per_config: Dict[str, Dict[str, Any]] = {}
    environment = None
    if engines:
        measured = measure_table(_as_paper_table(configs), engines, settings)
        ratios = {r['ours']: r['measured'] for r in measured['ratios']}
        environment = measured['environment']
        for m in measured['rows']:
            config = m['row']['name']
            per_config[config] = dict(
                params_m=m['params_m'], macs_m=m['macs_m'],
                latency={s: r['latency_ms']['median'] for s, r in m['latency'].items()},
                latency_text={s: format_spread(r) for s, r in m['latency'].items()},
                latency_vs_design=ratios.get(config, {s: 1.0 for s in m['latency']}))
    else:
        for config in configs:
            settings.log(f'ablations: {config}')
            size = measure_complexity(build_row_model(f'config:{config}', settings.root),
                                      (3, ) + INPUT_HW)
            per_config[config] = dict(params_m=size.params_m, macs_m=size.macs_m)
    design = {t.key: next(r for r in t.rows if r.is_design) for t in tables}
    out_tables = []
    for table in tables:
        rows = [dict(label=r.label, config=r.config, paper_top1=r.top1,
                     paper_latency_ms=r.latency_ms,
                     paper_latency_vs_design=r.latency_ms / design[table.key].latency_ms,
                     **per_config[r.config]) for r in table.rows]
        out_tables.append(dict(key=table.key, title=table.title, rows=rows))
    return dict(input_hw=list(INPUT_HW), threads=settings.threads if engines else None,
                engines=[f'{e}:{p}' for e, p in engines], tables=out_tables,
                rounds=settings.rounds if engines else None, environment=environment)


def render_ablations(measured: Dict[str, Any]) -> str:
    """Markdown: one table per paper table, ours (params, MACs, latency) beside the paper's."""
    specs = measured['engines']
    lines = [f"PP-LCNet-0.5x ablations; params and MACs at {measured['input_hw'][0]}x"
             f"{measured['input_hw'][1]} counted here (mmengine FlopAnalyzer); top-1 and "
             f"latency marked \"paper\" are the paper's (Xeon Gold 6148, 10 threads, Paddle "
             f"Inference + MKLDNN)."]
    if specs:
        lines[0] += (' ' + environment_line(measured['environment'], measured['threads']) +
                     f" Latency: median, in brackets the p10-p90 of the {measured['rounds']} "
                     'round medians (engines interleaved); "/ design" is the ratio of the '
                     'medians to the design row.')
    header = ['row', 'config', 'params (M)', 'MACs (M)', 'paper top-1 (%)',
              'paper latency (ms)', 'paper / design']
    for spec in specs:
        header += [f'{spec} (ms)', f'{spec} / design']
    for table in measured['tables']:
        lines += ['', f"#### {table['title']}", '', '| ' + ' | '.join(header) + ' |',
                  '|' + '---|' * len(header)]
        for r in table['rows']:
            cells = [r['label'], f"`{r['config'].rpartition('/')[2]}`", f"{r['params_m']:.3f}",
                     f"{r['macs_m']:.1f}", f"{r['paper_top1']:.2f}", f"{r['paper_latency_ms']:.2f}",
                     f"{r['paper_latency_vs_design']:.2f}"]
            for spec in specs:
                cells += [r['latency_text'][spec], f"{r['latency_vs_design'][spec]:.2f}"]
            lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
