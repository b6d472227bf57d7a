"""Losses (mmdet scope)."""
from .quality_varifocal_loss import QualityVarifocalLoss

__all__ = ['QualityVarifocalLoss']
