from .complexity import ModelComplexity, measure_complexity

__all__ = ['ModelComplexity', 'measure_complexity']
