"""Measurement: sizes, latency and the paper's tables, on top of :mod:`pplc_vision.deploy`.

- ``complexity``: params and MACs (mmengine's FlopAnalyzer); ``timing``: latency statistics of
  any callable or engine; ``drift``: engine outputs against eager fp32; ``machine``: CPU and
  library versions stated with every figure.
- ``model_latency`` (a model on one engine, with drift), ``config_latency`` (a config's network,
  what ``tools/analysis_tools/latency.py`` runs), ``end_to_end`` (pipeline + NMS timing) and
  ``eager_fusion`` (the eager conv+activation fusion paths compared).
- ``paper_data`` (Tables 2-5 as the paper prints them), ``row_models`` (the network each row
  names), ``table_build`` (rows measured, ratios, sizes vs the paper), ``paddle_compare`` (Paddle
  Inference as the reference), ``ablations`` and ``survey`` (Tables 6-9, the survey's CNNs).
- ``markdown``, ``report`` and ``table_cli``: markdown, text and JSON output of the tools.

Nothing in :mod:`pplc_vision.deploy` or :mod:`pplc_vision.models` imports this package.
"""
from .complexity import ModelComplexity, measure_complexity

__all__ = ['ModelComplexity', 'measure_complexity']
