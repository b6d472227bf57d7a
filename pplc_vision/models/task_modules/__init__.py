"""Target assignment (mmdet scope)."""
from .pico_sim_ota_assigner import PicoSimOTAAssigner
from .pico_v2_assigners import PicoATSSAssigner, PicoTaskAlignedAssigner

__all__ = ['PicoATSSAssigner', 'PicoSimOTAAssigner', 'PicoTaskAlignedAssigner']
