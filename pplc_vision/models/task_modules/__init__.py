"""Target assignment (mmdet scope)."""
from .pico_sim_ota_assigner import PicoSimOTAAssigner

__all__ = ['PicoSimOTAAssigner']
