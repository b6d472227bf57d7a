"""Write the legacy-model fixtures of tests/test_deploy/test_legacy_models.py.

Run at commit 814c938 (the last one before exported models carried a contract; detector graphs
then took RGB images), from a checkout of that commit:

    PYTHONPATH=<checkout of 814c938> python tests/data/deploy_814c938/make_fixtures.py OUT_DIR

It writes, for the tiny demo detector of ``picodet_tiny_demo-voc.py`` (weights seeded, BatchNorm
statistics of the two demo photos, class predictors drawn so that each photo has dozens of
boxes):

- ``picodet_tiny.pth``: the weights (an mmengine checkpoint);
- ``picodet_tiny_nms.onnx``: ``tools/deployment/export_onnx.py``'s default graph of that commit
  (NMS in the graph), 416x416;
- ``picodet_tiny_head.onnx``: its ``--head-outputs`` graph (README's predictor command).
"""
import os
import sys

import cv2
import numpy as np
import torch
from mmengine.config import Config

import pplc_vision  # noqa: F401
from pplc_vision.apis import build_model_from_config
from pplc_vision.deploy import export_detector_head_onnx, export_onnx
from pplc_vision.deploy.detection import DetectorExportWrapper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SIZE = 416


def main(out_dir: str) -> None:
    torch.manual_seed(0)
    cfg = Config.fromfile(os.path.join(HERE, 'picodet_tiny_demo-voc.py'))
    model = build_model_from_config(cfg)
    model.init_weights()
    photos = [os.path.join(REPO, 'data/demo_coco/images', n) for n in ('arc2017.jpg', 'voc.jpg')]
    pre = model.data_preprocessor
    batch = torch.stack([torch.from_numpy(np.ascontiguousarray(
        cv2.resize(cv2.imread(p), (SIZE, SIZE))[:, :, ::-1])).permute(2, 0, 1).float()
        for p in photos])
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model((batch - pre.mean) / pre.std, mode='tensor')
        for conv in model.bbox_head.gfl_preds:
            torch.nn.init.normal_(conv.weight, std=0.05)
            torch.nn.init.constant_(conv.bias, -3.0)
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(note='legacy-graph fixture')),
               os.path.join(out_dir, 'picodet_tiny.pth'))
    export_onnx(DetectorExportWrapper(model), torch.rand(1, 3, SIZE, SIZE) * 255,
                os.path.join(out_dir, 'picodet_tiny_nms.onnx'),
                output_names=('boxes', 'scores', 'labels'))
    export_detector_head_onnx(model, os.path.join(out_dir, 'picodet_tiny_head.onnx'),
                              (1, 3, SIZE, SIZE))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else HERE)
