"""The authors' models built from their installed wheels: the references of the parity tests and
of the Paddle comparisons in :mod:`pplc_vision.benchmark`.

- :mod:`.paddleclas`: PaddleClas' PP-LCNet and MobileNetV3 (and BatchNorm statistics of a Paddle
  model from real images);
- :mod:`.paddleseg`: PaddleSeg's ``DeepLabV3P`` of Table 5;
- :mod:`.paddledet`: PaddleDetection's CSP-PAN PicoDet-LCNet, deployed as its exporter does.

None of them is an engine (Paddle Inference is :mod:`pplc_vision.deploy.engines.paddle_inference`);
nothing in :mod:`pplc_vision.models` or :mod:`pplc_vision.deploy` imports this package.
"""
