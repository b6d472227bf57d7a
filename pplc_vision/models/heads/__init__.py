from .pplcnet_head import PPLCNetClsHead, PPLCNetHeadMixin, PPLCNetMultiLabelClsHead
from .pulc_postprocess import (PULC_POSTPROCESS, PersonAttribute, TableAttribute, ThreshOutput,
                               VehicleAttribute, build_pulc_postprocess)

__all__ = [
    'PPLCNetClsHead', 'PPLCNetHeadMixin', 'PPLCNetMultiLabelClsHead', 'PULC_POSTPROCESS',
    'PersonAttribute', 'TableAttribute', 'ThreshOutput', 'VehicleAttribute',
    'build_pulc_postprocess'
]
