"""int8 post-training quantisation with NNCF, calibrated on real images, for both int8 engines.

One recipe, two outputs chosen by the file name:

- ``.xml``: OpenVINO IR. The ONNX file is converted with ``openvino.convert_model`` first (its
  MOC transformations fold the shape sub-graphs of the ONNX front end, so that NNCF sees each
  convolution's bias and its bias correction applies).
- ``.onnx``: a QDQ ONNX file for onnxruntime, quantised by NNCF's ONNX backend. It replaced
  onnxruntime's own ``quantize_static``, whose file (a quantiser after every convolution, no bias
  correction) agreed with fp32 on 98.98% of Fashion-MNIST's 10,000 test images where NNCF's
  agrees on 99.45% (the CI test network). Its cost: onnxruntime cannot fuse NNCF's placement
  (quantisers around convolution + hard-swish) into int8 convolutions, so this file runs slower
  than onnxruntime fp32 (PP-LCNet-1x: 5.4 ms against 1.4 ms, and 1.9 ms for quantize_static's);
  int8 speed on CPUs comes from the OpenVINO IR. No recipe tried made onnxruntime int8 faster
  than its fp32 (issue 33, ``tools/analysis_tools/onnxruntime_int8.py``), so the tools do not
  offer it (``engines.base.NOT_OFFERED``); the file is still written for that benchmark and for
  users who run it in ``OnnxRuntimeEngine`` themselves.

The settings, measured on PP-LCNet trained on real images (``docs/benchmarks.md``):

- preset ``mixed``: int8 symmetric per-channel weights, asymmetric activations (hard-swish
  outputs reach -0.375: an unsigned/asymmetric grid wastes no level on them); ``performance``
  (symmetric activations) gave 1.5-2x the logit error for no measurable speed-up;
- activations per tensor: NNCF's default per-channel ranges on depthwise inputs clip channels
  that rarely fire in the calibration set: 5-7x the logit error on held-out images;
- ranges from the global min/max (``MINMAX``): NNCF's default mean of per-image extrema clips the
  largest activations of every layer (logit errors up to 12 on a net whose logits span 30);
  histogram and quantile ranges were no better on held-out images;
- full bias correction (``fast_bias_correction=False``), which re-estimates each bias on the
  quantised network;
- 128 calibration images: 512 widened the min/max ranges and raised the logit error by 1.5x.

The ONNX file's contract (:mod:`~pplc_vision.deploy.contract`) goes into the quantised file with
``precision`` int8 (the IR's ``pplc_vision`` rt_info section, the QDQ file's metadata_props).
"""
import os
from typing import Any, List, Sequence, Union

import numpy as np

from ..engine.atomic_save import atomic_write_bytes
from .calibration import calibration_batches
from .contract import set_openvino_metadata

PRESETS = ('mixed', 'performance')
OUTPUT_FORMATS = ('.xml', '.onnx')


def _quantize(model: Any, dataset: List[Any], preset: str, fast_bias_correction: bool,
              keep_float: Sequence[str]) -> Any:
    # optional dependency (the [deploy] extra), checked with a one-line error in quantize_int8
    import nncf
    from nncf.quantization.advanced_parameters import (  # optional, as nncf above
        AdvancedQuantizationParameters, QuantizationParameters)
    from nncf.quantization.range_estimator import RangeEstimatorParametersSet  # optional
    nncf.set_log_level(40)  # errors only: no per-layer INFO lines
    return nncf.quantize(
        model, nncf.Dataset(dataset), subset_size=len(dataset),
        preset=(nncf.QuantizationPreset.MIXED if preset == 'mixed'
                else nncf.QuantizationPreset.PERFORMANCE),
        fast_bias_correction=fast_bias_correction,
        ignored_scope=nncf.IgnoredScope(types=list(keep_float), validate=False),
        advanced_parameters=AdvancedQuantizationParameters(
            activations_quantization_params=QuantizationParameters(per_channel=False),
            activations_range_estimator_params=RangeEstimatorParametersSet.MINMAX))


def quantize_int8(onnx_path: str,
                  out_path: str,
                  calibration: Union[np.ndarray, Sequence[np.ndarray]],
                  preset: str = 'mixed',
                  fast_bias_correction: bool = False,
                  keep_float: Sequence[str] = ()) -> str:
    """Quantise a single-input ONNX model to int8: OpenVINO IR if ``out_path`` ends in ``.xml``,
    a QDQ ONNX file for onnxruntime if it ends in ``.onnx``.

    ``calibration`` holds preprocessed real images (float32 ``(N, C, H, W)``, or a list of
    such arrays of different image sizes for a graph of dynamic size), fed in batches of the
    model's static batch size; ``keep_float`` names op types of the target format left in
    floating point (e.g. ``('MatMul',)`` for OpenVINO, ``('Gemm',)`` for ONNX). Returns
    ``out_path``.
    """
    try:  # optional dependencies (the [deploy] extra), imported only when quantising
        import nncf  # noqa: F401
        import onnx  # optional
        import openvino as ov  # optional
    except ImportError:
        raise ImportError('int8 quantisation needs nncf, onnx and openvino: '
                          'pip install -e .[deploy]') from None
    if preset not in PRESETS:
        raise ValueError(f'quantize_int8: preset must be one of {PRESETS}, got {preset!r}')
    ext = os.path.splitext(out_path)[1]
    if ext not in OUTPUT_FORMATS:
        raise ValueError(f'quantize_int8: out_path must end in one of {OUTPUT_FORMATS} '
                         f'(OpenVINO IR or ONNX), got {out_path}')
    onnx_model = onnx.load(onnx_path)
    graph = onnx_model.graph
    if len(graph.input) != 1:
        raise ValueError(f'quantize_int8: {onnx_path} has {len(graph.input)} inputs, '
                         f'expected 1')
    batch_dim = graph.input[0].type.tensor_type.shape.dim[0]
    batches = calibration_batches(calibration, batch_dim.dim_value or 1, 'quantize_int8')
    metadata = {p.key: p.value for p in onnx_model.metadata_props}
    if metadata:
        metadata['precision'] = 'int8'
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    if ext == '.xml':
        quantized = _quantize(ov.convert_model(onnx_path), batches, preset,
                              fast_bias_correction, keep_float)
        set_openvino_metadata(quantized, metadata)
        ov.save_model(quantized, out_path, compress_to_fp16=False)
    else:
        name = graph.input[0].name
        quantized = _quantize(onnx_model, [{name: b} for b in batches], preset,
                              fast_bias_correction, keep_float)
        del quantized.metadata_props[:]
        for key, value in metadata.items():
            quantized.metadata_props.add(key=key, value=value)
        atomic_write_bytes(quantized.SerializeToString(), out_path)
    return out_path
