"""The paper's tables measured on this machine: every row's params, MACs and latency per engine,
and the latency ratios of the comparison pairs beside the paper's.

Absolute latencies are not comparable across machines (the paper: Xeon Gold 6148, 10 threads,
Paddle Inference + MKLDNN); ratios are. Sizes are compared with the paper within
:data:`PARAMS_TOLERANCE_M` and :data:`MACS_TOLERANCE`.
"""
import dataclasses
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..deploy.calibration import (load_images, preprocessor_mean_std, random_crops,
                                  recalibrate_batchnorm)
from ..deploy.engines import as_tensor_module, check_engine
from .complexity import measure_complexity
from .machine import environment
from .model_latency import model_contender
from .paper_data import TABLE2, PaperRow, PaperTable
from .roofline import achieved
from .row_models import build_row_model
from .settings import Settings
from .timing import race, race_result

# The paper prints params to 0.1 M (so +-0.05 M is rounding) and MACs as integers; PP-LCNet's
# MACs must be within 2% (measured: at most 1.6%, PP-LCNet-0.35x; README's model table).
PARAMS_TOLERANCE_M = 0.05
MACS_TOLERANCE = 0.02


def parse_engine_specs(specs: Sequence[str]) -> List[Tuple[str, str]]:
    """``['openvino:int8', 'pytorch']`` -> ``[('openvino', 'int8'), ('pytorch', 'fp32')]``."""
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
    mean, std = preprocessor_mean_std(model)
    calibration = random_crops(images, calib_count, hw, mean, std, seed=0)
    drift = random_crops(images, drift_count, hw, mean, std, seed=1)
    step = 16 if hw[0] * hw[1] <= 512 * 512 else 2
    recalibrate_batchnorm(as_tensor_module(model),
                          [torch.from_numpy(calibration[i:i + step])
                           for i in range(0, len(calibration), step)])
    return calibration, drift


def usable_cores() -> int:
    """The CPUs this process may run on (the throughput mode's thread count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()


def race_engines(model: nn.Module, images: np.ndarray, engines: Sequence[Tuple[str, str]],
                 settings: Settings, calibration: np.ndarray, macs: float,
                 roofline: Optional[Dict[str, Any]], throughput_batch: Optional[int] = None,
                 throughput_threads: int = 1) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """One network on every engine spec, built first, then timed in ``settings.rounds``
    interleaved rounds; with ``throughput_batch`` its fp32/bf16 engines at that batch and
    ``throughput_threads`` race with them. Returns the batch-1 and the batched results by
    spec, each with its achieved rate against ``roofline`` (``macs`` per image)."""
    contenders = [model_contender(model, images, engine, precision, settings.threads,
                                  calibration=calibration, key=f'{engine}:{precision}')
                  for engine, precision in engines]
    batched = [model_contender(model, images, engine, precision, throughput_threads,
                               batch=throughput_batch, key=f'{engine}:{precision}')
               for engine, precision in engines if throughput_batch and precision != 'int8']
    race(contenders + batched, 1, settings.rounds, max(settings.round_warmup, 1),
         settings.round_iters)
    latencies, throughput = {}, {}
    for c in contenders + batched:
        result = race_result(c)
        batch = result['batch']
        result['achieved'] = achieved(macs, result['latency_ms']['median'], result['precision'],
                                      roofline, batch)
        if batch == 1:
            latencies[c.key] = result
        else:
            result['images_per_s'] = batch / result['latency_ms']['median'] * 1e3
            throughput[c.key] = result
    return latencies, throughput


def measure_table(table: PaperTable,
                  engines: Sequence[Tuple[str, str]],
                  settings: Settings = Settings(),
                  rows: Optional[Sequence[str]] = None,
                  throughput_batch: Optional[int] = None) -> Dict[str, Any]:
    """Measure every row of ``table`` (or the named ``rows``) on every engine spec.

    Per row, all engines are built first and then timed in ``settings.rounds`` interleaved
    rounds (:func:`~.timing.race`), so each median carries the spread across rounds. With ``throughput_batch`` the fp32/bf16
    engines are also built for that batch at the machine's core count and raced with the
    others (images per second). The fp32/bf16 GEMM roofline is measured at the start, and each
    figure's achieved GMAC/s and fraction of that roof are kept beside it.
    """
    env = environment(roofline_threads=settings.threads)
    cores = usable_cores()
    images = load_images(settings.calib_dir)
    selected = [r for r in table.rows if rows is None or r.name in rows]
    if throughput_batch is not None and throughput_batch < 2:
        raise ValueError(f'throughput batch must be >= 2, got {throughput_batch}')
    measured = []
    for row in selected:
        settings.log(f'{table.key}: {row.name}')
        model = build_row_model(row.build, settings.root)
        hw = table.row_hw(row)
        complexity = measure_complexity(model, (3, *hw))
        calibration, drift = prepare_engine_inputs(
            model, hw, images, settings.calib_images,
            max(settings.drift_images, throughput_batch or 0))
        latencies, throughput = race_engines(
            model, drift, engines, settings, calibration, complexity.macs_m * 1e6,
            env['roofline'], throughput_batch, cores)
        measured.append(dict(row=dataclasses.asdict(row), input_hw=list(hw),
                             params_m=complexity.params_m,
                             macs_m=complexity.macs_m, latency=latencies,
                             throughput=throughput))
    return dict(table=table.key, title=table.title, note=table.note, metric=table.metric,
                input_hw=list(table.input_hw),
                threads=settings.threads, engines=[f'{e}:{p}' for e, p in engines],
                rows=measured, rounds=settings.rounds,
                warmup_per_round=max(settings.round_warmup, 1),
                iters_per_round=settings.round_iters,
                throughput_batch=throughput_batch, throughput_threads=cores,
                ratios=table_ratios(table, measured), environment=env)


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
        """Params equal to the paper's 0.1 M precision and MACs within :data:`MACS_TOLERANCE`."""
        return (abs(self.params_m - self.paper_params_m) <= PARAMS_TOLERANCE_M + 1e-9
                and abs(self.macs_rel_diff) <= MACS_TOLERANCE)


def complexity_rows(rows: Sequence[PaperRow] = TABLE2, root: str = '.',
                    input_hw: Tuple[int, int] = (224, 224)) -> List[ComplexityRow]:
    """Build each row's network (configs resolved under ``root``) and measure its size."""
    out = []
    for row in rows:
        if row.params_m is None or row.macs_m is None:
            raise ValueError(f'complexity_rows: the paper gives no params/MACs for {row.name}')
        measured = measure_complexity(build_row_model(row.build, root), (3, *input_hw))
        out.append(ComplexityRow(row.name, row.params_m, measured.params_m, row.macs_m,
                                 measured.macs_m))
    return out
