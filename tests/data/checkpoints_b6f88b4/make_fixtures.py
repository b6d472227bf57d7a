"""Write the checkpoint fixtures of tests/test_checkpoint_compat.py (first run at commit b6f88b4).

Run from the repository root:
    python tests/data/checkpoints_b6f88b4/make_fixtures.py [--made-at TAG] [CONFIG ...]
It writes, next to this file:
- ``state_dict_shapes.json.gz``: for every config under configs/, the key names and shapes of
  the state dict of the model it builds;
- ``<name>.pth``: mmengine checkpoints (``meta`` + ``state_dict``, weights seeded and stored as
  float16 to keep the files small) of two small configs, and ``<name>_outputs.npz``: the model's
  outputs (``mode='tensor'``) on a seeded input, computed in float32 from those weights.
With CONFIG paths (as ``configs/...``) only their records, and the checkpoints made from them,
are rewritten: a change that alters those models on purpose keeps the other records as they were.
"""
import argparse
import glob
import gzip
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import save_checkpoint

import pplc_vision  # noqa: F401
from pplc_vision.registry import build_model_from_config

HERE = osp.dirname(osp.abspath(__file__))
CHECKPOINTS = {  # name: (config, input shape)
    'pplcnet_0.5x_demo-fashion-mnist': ('configs/cls/pplcnet_0.5x_demo-fashion-mnist.py',
                                        (2, 3, 64, 64)),
    'picodet_mobilenetv3-large_0.35x_coco': ('configs/det/picodet_mobilenetv3-large_0.35x_coco.py',
                                             (1, 3, 128, 128)),
}


def flat_outputs(out) -> list:
    """Tensors of a (nested) tuple/list output, in order."""
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for o in out for t in flat_outputs(o)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', metavar='CONFIG',
                        help='rewrite only these configs\' records (default: all)')
    parser.add_argument('--made-at', default='b6f88b4',
                        help='commit or issue recorded in the checkpoints\' meta')
    args = parser.parse_args()
    configs = args.configs or sorted(c for c in glob.glob('configs/**/*.py', recursive=True)
                                     if '/_base_/' not in c)
    shapes_file = osp.join(HERE, 'state_dict_shapes.json.gz')
    shapes = {}
    if args.configs:
        with gzip.open(shapes_file, 'rt') as f:
            shapes = json.load(f)
    for config in configs:
        cfg = Config.fromfile(config)
        if 'teacher_checkpoint' in cfg.model:  # distillation: the teacher's weights are not needed
            cfg.model.teacher_checkpoint = None
        model = build_model_from_config(cfg)
        shapes[config] = {k: list(v.shape) for k, v in model.state_dict().items()}
    with gzip.open(shapes_file, 'wt') as f:
        json.dump(shapes, f, indent=0, sort_keys=True)
    for name, (config, input_shape) in CHECKPOINTS.items():
        if config not in configs:
            continue
        torch.manual_seed(0)
        model = build_model_from_config(Config.fromfile(config))
        model.init_weights()
        state = {k: (v.half() if v.is_floating_point() else v)
                 for k, v in model.state_dict().items()}
        save_checkpoint(dict(meta=dict(config=config, commit=args.made_at), state_dict=state),
                        osp.join(HERE, f'{name}.pth'))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in state.items()})
        x = torch.rand(input_shape, generator=torch.Generator().manual_seed(1)) * 255
        with torch.no_grad():
            inputs = model.data_preprocessor(dict(inputs=list(x)), False)['inputs']
            outputs = flat_outputs(model(inputs, mode='tensor'))
        np.savez_compressed(osp.join(HERE, f'{name}_outputs.npz'), input=x.numpy(),
                            **{f'out{i}': o.numpy() for i, o in enumerate(outputs)})
        print(name, [tuple(o.shape) for o in outputs])
    print(f'{len(configs)} of {len(shapes)} config records written, files in {HERE}: '
          f'{sorted(os.listdir(HERE))}')


if __name__ == '__main__':
    main()
