"""What the predictor returns for one image: one dataclass per task, and its JSON form.

Every result carries its image's name, the class names, the time each stage took and the
OpenMMLab data sample the task's visualizer draws (``sample``).
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..models.heads.pulc_postprocess import to_builtin


@dataclass
class Timing:
    """Milliseconds of one image: decoding and test pipeline, the network, post-processing."""
    preprocess_ms: float = 0.0
    network_ms: float = 0.0
    postprocess_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.preprocess_ms + self.network_ms + self.postprocess_ms


@dataclass
class Prediction:
    """Fields every task's result has."""
    name: str
    class_names: Sequence[str]
    timing: Timing
    sample: Any = field(repr=False, default=None)
    frame_index: Optional[int] = None

    def _json_base(self) -> Dict[str, Any]:
        out: Dict[str, Any] = dict(image=self.name)
        if self.frame_index is not None:
            out['frame'] = self.frame_index
        return out


@dataclass
class Classification(Prediction):
    """``scores`` of all classes (softmax; sigmoid for a multi-label head) and the ``topk`` best
    (labels, best first). ``positive``: the classes a multi-label head predicts (at or above its
    ``thr``), else None. ``postprocessed``: the PULC post-processing's result in PaddleClas'
    form (``class_ids``/``scores``/``label_names`` of ``ThreshOutput``, or ``attributes``/
    ``output`` of the attribute tasks) when the head has one, else None."""
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    topk: int = 5
    positive: Optional[np.ndarray] = None
    postprocessed: Optional[Dict[str, Any]] = None

    @property
    def labels(self) -> np.ndarray:
        return np.argsort(-self.scores, kind='stable')[:self.topk]

    @property
    def label(self) -> int:
        """The predicted class: ThreshOutput's choice when there is one, else the best."""
        if self.postprocessed is not None and 'class_ids' in self.postprocessed:
            return int(self.postprocessed['class_ids'][0])
        return int(self.labels[0])

    def _classes(self, labels) -> List[Dict[str, Any]]:
        return [dict(label=int(i), category=self.class_names[i], score=float(self.scores[i]))
                for i in labels]

    def to_json(self) -> Dict[str, Any]:
        out = dict(self._json_base(), topk=self._classes(self.labels))
        if self.positive is not None:
            out['positive'] = self._classes(self.positive)
        if self.postprocessed is not None:
            out['postprocessed'] = to_builtin(self.postprocessed)
        return out

    def summary(self) -> str:
        """One line: the post-processed answer, else the predicted classes with their scores."""
        if self.postprocessed is not None and 'attributes' in self.postprocessed:
            attributes = self.postprocessed['attributes']
            text = attributes if isinstance(attributes, str) else ', '.join(attributes)
        elif self.positive is not None:
            text = ', '.join(f'{c["category"]} {c["score"]:.3f}'
                             for c in self._classes(self.positive)) or '(none)'
        else:
            score = (self.postprocessed['scores'][0] if self.postprocessed is not None
                     else self.scores[self.label])
            text = f'{self.class_names[self.label]} {float(score):.3f}'
        return f'{self.name}: {text}'


@dataclass
class Detections(Prediction):
    """``boxes`` (K, 4) x1, y1, x2, y2 in the original image's pixels, ``scores`` (K,),
    ``labels`` (K,), best first."""
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def to_json(self) -> List[Dict[str, Any]]:
        """COCO-style results: one record per box, ``bbox`` as [x, y, w, h]."""
        base = self._json_base()
        return [dict(base, bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                     score=float(s), category_id=int(c), category=self.class_names[int(c)])
                for (x1, y1, x2, y2), s, c in zip(self.boxes, self.scores, self.labels)]


@dataclass
class Segmentation(Prediction):
    """``label_map`` (H, W) of class indices at the original image size."""
    label_map: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.uint8))

    def to_json(self, png: Optional[str] = None) -> Dict[str, Any]:
        counts = np.bincount(self.label_map.reshape(-1), minlength=len(self.class_names))
        out = dict(self._json_base(), height=int(self.label_map.shape[0]),
                   width=int(self.label_map.shape[1]),
                   pixels={self.class_names[i]: int(n) for i, n in enumerate(counts) if n})
        if png is not None:
            out['label_png'] = png
        return out
