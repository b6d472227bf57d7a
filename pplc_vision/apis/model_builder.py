"""Build the model of a config without its datasets (complexity counts, quick checks)."""
import copy

from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope
from torch import nn

from ..registry import check_config_libraries


def build_model_from_config(cfg: Config) -> nn.Module:
    """Build ``cfg.model`` in the config's ``default_scope``, as the Runner would.

    The config's top-level ``data_preprocessor`` is merged into the model like the Runner does;
    the model is returned in eval mode. A config that needs an OpenMMLab library that is not
    installed raises :class:`~pplc_vision.registry.MissingLibraryError` (one line).
    """
    if 'model' not in cfg:
        raise KeyError(f'config {cfg.filename!r} has no `model` key')
    check_config_libraries(cfg)
    scope = cfg.get('default_scope')
    if scope is not None:
        init_default_scope(scope)
    model_cfg = copy.deepcopy(cfg.model)
    if isinstance(model_cfg, dict) and cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    model = MODELS.build(model_cfg)
    return model.eval()
