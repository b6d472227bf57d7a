"""Classifiers (mmpretrain scope): SSLD-style knowledge distillation."""
from .distill import DistillImageClassifier, build_teacher, kd_kl_loss

__all__ = ['DistillImageClassifier', 'build_teacher', 'kd_kl_loss']
