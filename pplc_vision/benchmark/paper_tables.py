"""The paper's Table 2 (PP-LCNet at 8 scales) and its params/MACs next to ours.

Rows build the classification configs of this repository (``configs/cls/pplcnet_<s>_in1k.py``),
so the comparison checks what users train. Params must match to 0.1 M and MACs within 3%.
"""
import dataclasses
from typing import List, Sequence, Tuple

from .complexity import measure_complexity
from .tables import PaperRow, build_row_model

# (scale, params M, MACs M, top-1, top-5, latency ms): Table 2 without SSLD.
_TABLE2 = (
    ('0.25x', 1.5, 18, 51.86, 75.65, 1.74),
    ('0.35x', 1.6, 29, 58.09, 80.83, 1.92),
    ('0.5x', 1.9, 47, 63.14, 84.66, 2.05),
    ('0.75x', 2.4, 99, 68.18, 88.30, 2.29),
    ('1x', 3.0, 161, 71.32, 90.03, 2.46),
    ('1.5x', 4.5, 342, 73.71, 91.53, 3.19),
    ('2x', 6.5, 590, 75.18, 92.27, 4.27),
    ('2.5x', 9.0, 906, 76.60, 93.00, 5.39),
)
TABLE2: Tuple[PaperRow, ...] = tuple(
    PaperRow(f'PP-LCNet-{s}', f'config:configs/cls/pplcnet_{s}_in1k.py', p, m, top1, lat)
    for s, p, m, top1, _, lat in _TABLE2)
TABLE2_TOP5 = {f'PP-LCNet-{s}': top5 for s, _, _, _, top5, _ in _TABLE2}
MACS_TOLERANCE = 0.03


@dataclasses.dataclass(frozen=True)
class ComplexityRow:
    """Paper and measured size of one network."""
    name: str
    paper_params_m: float
    params_m: float
    paper_macs_m: float
    macs_m: float

    @property
    def macs_rel_diff(self) -> float:
        return self.macs_m / self.paper_macs_m - 1

    @property
    def matches(self) -> bool:
        """Params equal to the paper's 0.1 M precision and MACs within 3%."""
        return (abs(self.params_m - self.paper_params_m) <= 0.05 + 1e-9
                and abs(self.macs_rel_diff) <= MACS_TOLERANCE)


def complexity_rows(rows: Sequence[PaperRow] = TABLE2, root: str = '.',
                    input_hw: Tuple[int, int] = (224, 224)) -> List[ComplexityRow]:
    """Build each row's network (configs resolved under ``root``) and measure it."""
    out = []
    for row in rows:
        measured = measure_complexity(build_row_model(row.build, root), (3, *input_hw))
        out.append(ComplexityRow(row.name, row.params_m, measured.params_m, row.macs_m,
                                 measured.macs_m))
    return out


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
