"""Counts the test images a model predicts something on, so that tools/test.py can say when it
predicts nothing at all (a detector without a box above its score threshold on any image)."""
from typing import Any, Optional, Sequence, Tuple

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook


def has_prediction(sample: Any) -> bool:
    """Whether a data sample of the test loop predicts anything: a detection has at least one
    instance; a class and a label map are always a prediction."""
    instances = sample.get('pred_instances') if hasattr(sample, 'get') else None
    return instances is None or len(instances) > 0


class PredictionCountHook(Hook):
    """Counts the test images and those with a prediction (summed over processes)."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.images = 0
        self.predicted = 0

    def before_test(self, runner) -> None:
        self.images = self.predicted = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        for sample in outputs or ():
            self.images += 1
            self.predicted += int(has_prediction(sample))

    def totals(self) -> Tuple[int, int]:
        """``(images, images with a prediction)`` over all processes."""
        counts = torch.tensor([self.images, self.predicted], dtype=torch.long)
        all_reduce(counts, op='sum')
        return int(counts[0]), int(counts[1])
