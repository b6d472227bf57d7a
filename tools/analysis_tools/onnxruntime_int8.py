"""onnxruntime int8 against onnxruntime fp32 on PP-LCNet: every quantisation we know of, raced.

Usage:
    python tools/analysis_tools/onnxruntime_int8.py [--scale 1.0] [--shape 224 224]
        [--threads 2] [--rounds 7] [--iters 140] [--json OUT]

The benchmark behind the tools' decision not to offer onnxruntime int8 (issue 33,
``pplc_vision.deploy.engines.base.NOT_OFFERED``): PP-LCNet-``scale`` (random weights, BN
statistics from real photos, which is all that speed depends on) exported once, quantised with
each recipe of :data:`VARIANTS` (NNCF's QDQ file, the one the engines build, and onnxruntime's
own ``quantize_static`` in QDQ and QOperator formats, per channel or per tensor, with depthwise
convolutions and SE blocks left in float), and every file raced against onnxruntime fp32 and
OpenVINO fp32/int8 in interleaved rounds, batch 1. The verdict line says whether any onnxruntime
recipe reaches the issue's 1.5x over onnxruntime fp32 (OpenVINO int8 over its fp32 for the same
rule). Their top-1 agreement with fp32 is a test (tests/test_deploy/test_onnxruntime_int8.py).
"""
import argparse
import json
import os
import sys
import tempfile
from typing import Callable, Dict, List

import numpy as np
import torch

from pplc_vision.benchmark.timing import Contender, per_round, race, race_result
from pplc_vision.converters import build_pplcnet_classifier
from pplc_vision.deploy.calibration import (load_images, preprocessor_mean_std, random_crops,
                                           recalibrate_batchnorm)
from pplc_vision.deploy.engines import (OnnxRuntimeEngine, OpenVINOEngine, as_tensor_module,
                                        build_engine)
from pplc_vision.deploy.int8 import quantize_int8

GOAL = 1.5  # issue 33: int8 worth offering at >= 1.5x its engine's fp32


def _ort_static(quant_format: str, per_channel: bool, keep_float: str = '') -> Callable:
    """A recipe of onnxruntime's ``quantize_static``: u8 asymmetric activations, s8 symmetric
    weights, min/max ranges; ``keep_float``: 'dw' leaves depthwise convolutions in float, 'dw+se'
    also the SE blocks' convolutions."""
    def quantize(onnx_path: str, out_path: str, calibration: np.ndarray) -> str:
        import onnx  # optional (the [deploy] extra)
        from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,  # optional
                                              QuantType, quantize_static)
        graph = onnx.load(onnx_path).graph
        name = graph.input[0].name
        exclude: List[str] = []
        if keep_float:
            exclude += [n.name for n in graph.node if n.op_type == 'Conv' and any(
                a.name == 'group' and a.i > 1 for a in n.attribute)]
        if 'se' in keep_float:
            exclude += [n.name for n in graph.node if n.op_type == 'Conv' and '/se/' in n.name]

        class Reader(CalibrationDataReader):
            def __init__(self):
                self.batches = iter([{name: calibration[i:i + 1]}
                                     for i in range(len(calibration))])

            def get_next(self):
                return next(self.batches, None)

        quantize_static(onnx_path, out_path, Reader(),
                        quant_format=getattr(QuantFormat, quant_format), per_channel=per_channel,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=exclude,
                        extra_options=dict(ActivationSymmetric=False, WeightSymmetric=True))
        return out_path
    return quantize


# name -> quantise(fp32 ONNX file, out file, calibration images) -> the int8 file
VARIANTS: Dict[str, Callable[[str, str, np.ndarray], str]] = {
    'nncf-qdq': lambda src, out, calib: quantize_int8(src, out, calib),
    'ort-qdq-per-channel': _ort_static('QDQ', True),
    'ort-qoperator-per-channel': _ort_static('QOperator', True),
    'ort-qoperator-per-tensor': _ort_static('QOperator', False),
    'ort-qoperator-float-dw': _ort_static('QOperator', True, 'dw'),
    'ort-qoperator-float-dw-se': _ort_static('QOperator', True, 'dw+se'),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', type=float, default=1.0, help='PP-LCNet width (default 1.0)')
    parser.add_argument('--shape', type=int, nargs=2, default=(224, 224), metavar=('H', 'W'))
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--warmup', type=int, default=35, help='untimed calls, over the rounds')
    parser.add_argument('--iters', type=int, default=140, help='timed calls, over the rounds')
    parser.add_argument('--calib-images', type=int, default=64)
    parser.add_argument('--variants', nargs='+', choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument('--json', metavar='OUT', help='write the raced results as JSON')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    model = build_pplcnet_classifier(args.scale).eval()
    mean, std = preprocessor_mean_std(model)
    calibration = random_crops(load_images(), args.calib_images, tuple(args.shape), mean, std,
                               seed=0)
    recalibrate_batchnorm(as_tensor_module(model), [torch.from_numpy(calibration[i:i + 16])
                                                    for i in range(0, len(calibration), 16)])
    example = torch.from_numpy(calibration[:1])
    with tempfile.TemporaryDirectory(prefix='ort_int8_') as work:
        engines = {'onnxruntime:fp32': build_engine(model, example, 'onnxruntime', 'fp32',
                                                    args.threads, workdir=work)}
        src = os.path.join(work, 'model.onnx')
        for name in args.variants:
            path = VARIANTS[name](src, os.path.join(work, f'{name}.onnx'), calibration)
            engines[f'onnxruntime:int8:{name}'] = OnnxRuntimeEngine(path, 'int8', args.threads)
        engines['openvino:fp32'] = OpenVINOEngine(src, 'fp32', args.threads)
        engines['openvino:int8'] = build_engine(model, example, 'openvino', 'int8', args.threads,
                                                workdir=os.path.join(work, 'ov'),
                                                calibration=calibration)
        inputs = calibration[:1]
        contenders = [Contender(key, (lambda e: lambda i: e(inputs))(e), {})
                      for key, e in engines.items()]
        race(contenders, 1, args.rounds, per_round(args.warmup, args.rounds, 1),
             per_round(args.iters, args.rounds, 1))
    results = {c.key: race_result(c) for c in contenders}
    median = {k: r['latency_ms']['median'] for k, r in results.items()}
    print(f'PP-LCNet-{args.scale:g}x at {args.shape[0]}x{args.shape[1]}, batch 1, '
          f'{args.threads} threads, {args.rounds} interleaved rounds:')
    best = None
    for key, ms in median.items():
        base = 'openvino:fp32' if key.startswith('openvino') else 'onnxruntime:fp32'
        speedup = median[base] / ms
        print(f'  {key:45s} {ms:8.3f} ms  {speedup:5.2f}x over {base}')
        if key.startswith('onnxruntime:int8') and (best is None or speedup > best[1]):
            best = (key, speedup)
    verdict = 'reaches' if best[1] >= GOAL else 'misses'
    print(f'verdict: the fastest onnxruntime int8 ({best[0]}) {verdict} {GOAL}x over '
          f'onnxruntime fp32 ({best[1]:.2f}x); openvino int8 '
          f"{median['openvino:fp32'] / median['openvino:int8']:.2f}x over openvino fp32")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(vars(args), results=results, best=best), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
