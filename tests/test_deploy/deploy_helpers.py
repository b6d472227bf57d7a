"""Helpers shared by the predictor and model-contract tests."""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Tuple

import numpy as np


def assert_same_detections(got, expected, name: str, min_boxes: int = 10,
                           score_tol: float = 1e-4) -> None:
    """The same boxes (within 1e-3 of the largest coordinate) with the same labels and scores
    (``score_tol``), best first; boxes whose scores tie may come in either order."""
    ref, ref_scores, ref_labels = (expected.bboxes.numpy(), expected.scores.numpy(),
                                   expected.labels.numpy())
    assert len(ref) >= min_boxes, f'{name}: too few reference boxes to compare'
    assert len(got.boxes) == len(ref), name
    fits = ((np.abs(got.boxes[:, None] - ref[None]).max(-1) <= 1e-3 * np.abs(ref).max()) &
            (got.labels[:, None] == ref_labels[None]) &
            (np.abs(got.scores[:, None] - ref_scores[None]) <= score_tol))
    free = np.ones(len(ref), bool)
    for i, row in enumerate(fits):
        candidates = np.flatnonzero(row & free)
        assert len(candidates), f'{name}: box {got.boxes[i]} ({got.labels[i]}, ' \
            f'{got.scores[i]:.5f}) is not in the reference'
        free[candidates[0]] = False
    assert np.all(np.diff(got.scores) <= 1e-6), f'{name}: not best first'


def load_tool(tool: Path) -> ModuleType:
    """A script under tools/ as a module (its ``main`` not run)."""
    spec = importlib.util.spec_from_file_location(f'tool_{tool.stem}', tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_main(tool: Path, monkeypatch, capsys, *argv) -> Tuple[int, str]:
    """A tool's ``main()`` in this process with ``argv``: (exit code, stderr)."""
    module = load_tool(tool)
    monkeypatch.setattr(sys, 'argv', [tool.name, *map(str, argv)])
    code = module.main()
    return code, capsys.readouterr().err
