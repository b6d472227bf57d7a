"""PyTorch as an engine: the re-parameterised, BN-folded module, frozen for inference in fp32
(:mod:`pplc_vision.deploy.jit_freeze`) or eager under bf16 autocast."""
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn

from ..fuse import deploy_model
from ..jit_freeze import freeze_for_inference
from .base import InferenceEngine, as_tensor_module, flatten_outputs


class PyTorchEngine(InferenceEngine):
    """PyTorch; ``fuse=True`` runs the re-parameterised, BN-folded copy of the module, and in
    fp32 with an ``example`` input, that copy traced, frozen and optimised for inference
    (convolution + activation as one oneDNN call); bf16 runs eagerly under CPU autocast."""
    name = 'pytorch'

    def __init__(self, module: nn.Module, precision: str = 'fp32',
                 threads: Optional[int] = None, fuse: bool = True,
                 example: Optional[torch.Tensor] = None) -> None:
        super().__init__(precision, threads)
        module = as_tensor_module(module)
        self.fused = fuse
        self.reparameterized = self.folded = 0
        self.frozen = False
        if fuse:
            module, self.reparameterized, self.folded = deploy_model(module)
        module.eval()  # some modules' train() returns None (mmpretrain's MobileOne)
        if threads is not None:
            torch.set_num_threads(threads)
        if fuse and precision == 'fp32' and example is not None:  # bf16: autocast, eager
            module = freeze_for_inference(module, example)
            self.frozen = True
        self.module = module
        if example is not None:
            self.input_shape = list(example.shape)

    def __call__(self, inputs: np.ndarray) -> Tuple[np.ndarray, ...]:
        if self.threads is not None and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)  # another engine in this process set its own
        x = torch.from_numpy(np.ascontiguousarray(inputs, np.float32))
        with torch.inference_mode(), torch.autocast(
                'cpu', dtype=torch.bfloat16, enabled=self.precision == 'bf16'):
            out = self.module(x)
        return tuple(t.float().numpy() for t in flatten_outputs(out))

    def info(self) -> Dict[str, Any]:
        return dict(super().info(), fused=self.fused, folded_batchnorms=self.folded,
                    reparameterized_blocks=self.reparameterized,
                    frozen_for_inference=self.frozen)
