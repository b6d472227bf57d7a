"""Measurement: sizes, latency and the paper's tables, on top of :mod:`pplc_vision.deploy`.

- ``complexity``: params and MACs (mmengine's FlopAnalyzer); ``timing``: latency statistics of
  any callable or engine, and the interleaved rounds (``race``) that give every compared figure
  its spread; ``drift``: engine outputs against eager fp32; ``machine``: CPU (cores, clock, ISA)
  and library versions stated with every figure; ``roofline``: the GEMM roof measured in the
  same run and each network's achieved fraction of it.
- ``model_latency`` (a model on one engine, with drift), ``config_latency`` (a config's network,
  what ``tools/analysis_tools/latency.py`` runs), ``end_to_end`` (pipeline + NMS timing) and
  ``eager_fusion`` (the eager conv+activation fusion paths compared).
- ``paper_data`` (Tables 2-5 as the paper prints them), ``row_models`` (the network each row
  names), ``table_build`` (rows measured, ratios, throughput, sizes vs the paper),
  ``paddle_race`` with ``paddle_compare``, ``paddleseg_compare`` and ``paddledet_compare``
  (Paddle Inference as the reference, same weights, same precision), ``predictor_overhead``
  (the deployed predictor against the network alone), ``ablations`` and ``survey`` (Tables 6-9,
  the survey's CNNs).
- ``markdown``, ``report`` and ``table_cli``: markdown, text and JSON output of the tools.

Nothing in :mod:`pplc_vision.deploy` or :mod:`pplc_vision.models` imports this package.
"""
from .complexity import ModelComplexity, measure_complexity

__all__ = ['ModelComplexity', 'measure_complexity']
