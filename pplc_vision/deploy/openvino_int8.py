"""int8 post-training quantisation for OpenVINO with NNCF, calibrated on real images.

The ONNX file is converted with ``openvino.convert_model`` (its MOC transformations fold the
shape sub-graphs of the ONNX front end, so that NNCF sees each convolution's bias and its bias
correction applies), then quantised by ``nncf.quantize`` and saved as OpenVINO IR (``.xml`` +
``.bin``). The settings, measured on PP-LCNet trained on real images (``docs/benchmarks.md``):

- preset ``mixed``: int8 symmetric per-channel weights, asymmetric activations (hard-swish
  outputs reach -0.375: an unsigned/asymmetric grid wastes no level on them); ``performance``
  (symmetric activations) gave 1.5-2x the logit error for no measurable speed-up;
- activations per tensor: NNCF's default per-channel ranges on depthwise inputs clip channels
  that rarely fire in the calibration set: 5-7x the logit error on held-out images;
- ranges from the global min/max (``MINMAX``): NNCF's default mean of per-image extrema clips the
  largest activations of every layer (logit errors up to 12 on a net whose logits span 30);
- full bias correction (``fast_bias_correction=False``), which re-estimates each bias on the
  quantised network.
"""
import os
from typing import Sequence

import numpy as np

from .quantize import calibration_batches

PRESETS = ('mixed', 'performance')


def quantize_openvino(onnx_path: str,
                      out_path: str,
                      calibration: np.ndarray,
                      preset: str = 'mixed',
                      fast_bias_correction: bool = False,
                      keep_float: Sequence[str] = ()) -> str:
    """Quantise a single-input ONNX model to int8 OpenVINO IR at ``out_path`` (``.xml``).

    ``calibration`` holds preprocessed real images, fed in batches of the model's static batch
    size; ``keep_float`` names OpenVINO op types left in floating point (e.g. ``('MatMul',)``).
    Returns ``out_path``.
    """
    try:
        import nncf
        import openvino as ov
        from nncf.quantization.advanced_parameters import (AdvancedQuantizationParameters,
                                                           QuantizationParameters)
        from nncf.quantization.range_estimator import RangeEstimatorParametersSet
    except ImportError:
        raise ImportError('OpenVINO int8 quantisation needs openvino and nncf: '
                          'pip install -e .[deploy]') from None
    if preset not in PRESETS:
        raise ValueError(f'quantize_openvino: preset must be one of {PRESETS}, got {preset!r}')
    if not out_path.endswith('.xml'):
        raise ValueError(f'quantize_openvino: out_path must be an OpenVINO IR .xml file, '
                         f'got {out_path}')
    model = ov.convert_model(onnx_path)
    if len(model.inputs) != 1:
        raise ValueError(f'quantize_openvino: {onnx_path} has {len(model.inputs)} inputs, '
                         f'expected 1')
    shape = model.input(0).get_partial_shape()
    batch = shape[0].get_length() if shape.rank.is_static and shape[0].is_static else 1
    batches = calibration_batches(calibration, batch, 'quantize_openvino')
    nncf.set_log_level(40)  # errors only: no per-layer INFO lines
    quantized = nncf.quantize(
        model, nncf.Dataset(batches), subset_size=len(batches),
        preset=(nncf.QuantizationPreset.MIXED if preset == 'mixed'
                else nncf.QuantizationPreset.PERFORMANCE),
        fast_bias_correction=fast_bias_correction,
        ignored_scope=nncf.IgnoredScope(types=list(keep_float), validate=False),
        advanced_parameters=AdvancedQuantizationParameters(
            activations_quantization_params=QuantizationParameters(per_channel=False),
            activations_range_estimator_params=RangeEstimatorParametersSet.MINMAX))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    ov.save_model(quantized, out_path, compress_to_fp16=False)
    return out_path
