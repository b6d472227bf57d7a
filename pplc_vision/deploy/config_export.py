"""ONNX export of any pplc_vision config's model (classification, detection, segmentation).

Every task exports a plain tensor-in module whose input is the image batch in 0..255 (the
normalisation is in the graph): see the task wrappers in this folder for each one's outputs.
"""
from typing import Optional, Sequence

import torch
from mmengine.config import Config

from ..apis.model_builder import build_model_from_config
from ..apis.checkpoint_fit import load_checkpoint_strict
from .classification import ClassifierExportWrapper
from .detection import DetectorExportWrapper
from .detection_head import export_detector_head_onnx
from .export import DEFAULT_OPSET, export_onnx
from .segmentation import export_segmentor_onnx

TASK_SCOPES = {'mmpretrain': 'classification', 'mmdet': 'detection', 'mmseg': 'segmentation'}


def largest_stride(detector: torch.nn.Module) -> int:
    """The largest feature stride of a detector's head (its prior generator's)."""
    return int(max(max(s) if isinstance(s, (tuple, list)) else s
                   for s in detector.bbox_head.prior_generator.strides))


def export_config_onnx(config: str,
                       out: str,
                       shape: Sequence[int],
                       checkpoint: Optional[str] = None,
                       dynamic: bool = False,
                       with_nms: bool = True,
                       seg_output: str = 'logits',
                       opset: int = DEFAULT_OPSET,
                       head_outputs: bool = False) -> str:
    """Build ``config``'s model, load ``checkpoint`` strictly, export it to ``out``
    (H, W = shape). ``head_outputs``: a detector's graph ends at its head (per-level class and
    box maps) and ``tools/deployment/infer.py`` post-processes with the head's own code."""
    cfg = Config.fromfile(config)
    scope = cfg.get('default_scope')
    if scope not in TASK_SCOPES:
        raise ValueError(f'config {config}: default_scope {scope!r} is not one of '
                         f'{sorted(TASK_SCOPES)}')
    if len(shape) != 2 or any(int(s) < 1 for s in shape):
        raise ValueError(f'--shape must be H W (two positive sizes), got {tuple(shape)}')
    model = build_model_from_config(cfg)
    if checkpoint:
        load_checkpoint_strict(model, checkpoint, config)
    input_shape = (1, 3, int(shape[0]), int(shape[1]))
    if scope == 'mmseg':
        return export_segmentor_onnx(model, out, input_shape, output=seg_output,
                                     dynamic=dynamic, opset=opset)
    example = torch.rand(*input_shape) * 255
    if scope == 'mmpretrain':
        axes = {'input': {0: 'batch'}, 'output': {0: 'batch'}} if dynamic else None
        return export_onnx(ClassifierExportWrapper(model), example, out, dynamic_axes=axes,
                           opset=opset)
    stride = largest_stride(model)
    if input_shape[2] % stride or input_shape[3] % stride:
        fit = [max(stride, round(int(s) / stride) * stride) for s in shape]
        raise ValueError(f'--shape {shape[0]} {shape[1]}: the detector\'s largest stride is '
                         f'{stride}, so both sizes must be multiples of it (PyTorch pads to them '
                         f'before the network, an exported graph cannot): use --shape {fit[0]} '
                         f'{fit[1]}')
    if head_outputs:
        return export_detector_head_onnx(model, out, input_shape, opset=opset)
    wrapper = DetectorExportWrapper(model, with_nms=with_nms)
    names = ('boxes', 'scores', 'labels') if with_nms else ('boxes', 'scores')
    return export_onnx(wrapper, example, out, output_names=names, opset=opset)
