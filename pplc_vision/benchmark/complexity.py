"""Parameters and multiply-accumulates of a model, with mmengine's FlopAnalyzer.

The paper's "FLOPs" are multiply-accumulates (MACs). FlopAnalyzer counts one per MAC for
convolutions and linear layers, plus BatchNorm (two per element in eval mode) and pooling; the
paper's counts include those too (PP-LCNet's Table 2 matches to 1% only with them).
"""
import logging
from dataclasses import dataclass
from typing import Tuple

import torch
from mmengine.analysis import FlopAnalyzer
from torch import nn


@dataclass(frozen=True)
class ModelComplexity:
    """Size of a model at one input shape."""
    params: int
    macs: int
    input_shape: Tuple[int, int, int, int]

    @property
    def params_m(self) -> float:
        return self.params / 1e6

    @property
    def macs_m(self) -> float:
        return self.macs / 1e6


def measure_complexity(model: nn.Module, input_shape: Tuple[int, ...] = (3, 224, 224)
                       ) -> ModelComplexity:
    """Count parameters and MACs of ``model`` on one input of ``input_shape`` (C, H, W).

    The model is traced in eval mode on a random tensor; it must accept a plain image batch
    (OpenMMLab models do, through their ``mode='tensor'`` forward).
    """
    if len(input_shape) == 3:
        input_shape = (1, ) + tuple(input_shape)
    if len(input_shape) != 4:
        raise ValueError(f'input_shape must be (C, H, W) or (N, C, H, W), got {input_shape}')
    was_training = model.training
    model.eval()
    try:
        inputs = torch.randn(*input_shape)
        analyzer = FlopAnalyzer(model, inputs)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        logging.getLogger('mmengine').setLevel(logging.ERROR)
        with torch.no_grad():
            macs = int(analyzer.total())
    finally:
        model.train(was_training)
    params = sum(p.numel() for p in model.parameters())
    return ModelComplexity(params=params, macs=macs, input_shape=tuple(input_shape))
