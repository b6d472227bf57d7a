"""Export a config's model to ONNX (classification, detection or segmentation).

Usage: python tools/deployment/export_onnx.py CONFIG OUT.onnx [--checkpoint CKPT] [--shape H W]
       [--dynamic] [--no-nms | --head-outputs] [--seg-output logits|labels] [--opset 17]
       [--verify]

Input of every exported graph: (N, 3, H, W) float images in 0..255 in BGR order (as the test
pipeline loads them); the channel swap and the normalisation are inside. Outputs:
classification logits; detection boxes, scores, labels (with NMS, batch 1: the config's
test_cfg fixed in the graph) or boxes and per-class scores of all priors (--no-nms), or the
head's per-level class and box maps (--head-outputs; tools/deployment/infer.py then
post-processes with the head's own code and any test_cfg); segmentation logits or a label map
at input size. The file's metadata records what it was exported with (task, graph, input
layout, channel order and size, classes, a digest of the config's model section, the test_cfg
values fixed in the graph): tools/deployment/infer.py and test.py check it against their config.
"""
import argparse
import sys

import numpy as np
import torch

import pplc_vision  # noqa: F401
from pplc_vision.apis import ONE_LINE_ERRORS
from pplc_vision.deploy import DEFAULT_OPSET, onnxruntime_session
from pplc_vision.deploy.config_export import export_config_onnx


def graph_of(args: argparse.Namespace) -> str:
    """The graph the flags name (the task's default when none does)."""
    if args.no_nms and args.head_outputs:
        raise ValueError('--no-nms and --head-outputs: choose one detection graph')
    return ('raw' if args.no_nms else 'head' if args.head_outputs else
            args.seg_output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('out')
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--shape', type=int, nargs=2, default=[224, 224], metavar=('H', 'W'))
    parser.add_argument('--dynamic', action='store_true',
                        help='dynamic batch (classification) or batch and size (segmentation)')
    parser.add_argument('--no-nms', action='store_true', help='detection: leave NMS out')
    parser.add_argument('--head-outputs', action='store_true',
                        help="detection: end the graph at the head's outputs")
    parser.add_argument('--seg-output', choices=('logits', 'labels'), default=None,
                        help='segmentation: the logits (default) or their argmax')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument('--verify', action='store_true',
                        help='run onnxruntime once and print that it loads and runs')
    args = parser.parse_args()
    try:
        path = export_config_onnx(args.config, args.out, args.shape, args.checkpoint,
                                  dynamic=args.dynamic, graph=graph_of(args), opset=args.opset)
    except (ValueError, FileNotFoundError, TypeError, *ONE_LINE_ERRORS) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'wrote {path} (opset {args.opset})')
    if args.verify:
        session = onnxruntime_session(path)
        x = (torch.rand(1, 3, *args.shape) * 255).numpy().astype(np.float32)
        outputs = session.run(None, {session.get_inputs()[0].name: x})
        print('onnxruntime outputs: ' + ', '.join(
            f'{o.name} {tuple(v.shape)}' for o, v in zip(session.get_outputs(), outputs)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
