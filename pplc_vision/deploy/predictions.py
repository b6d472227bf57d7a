"""What the predictor returns for one image: one dataclass per task, and its JSON records.

Every result carries its image's name, the class names, the time each stage took and the
OpenMMLab data sample the task's visualizer draws (``sample``); ``records()`` gives the JSON
records ``tools/deployment/infer.py --out`` writes, whatever the task.
"""
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import cv2
import numpy as np

from .inputs import PredictorInputError


def to_builtin(value: Any) -> Any:
    """A post-processing result with numpy scalars as Python numbers (for JSON)."""
    if isinstance(value, dict):
        return {k: to_builtin(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_builtin(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class DatasetIds:
    """The ids a dataset's own annotation file gives: images by real path, categories by label
    (so that detection records are COCO results pycocotools reads as they are: ``image_id`` for
    the images of the file, ``category_id`` the file's id of each box's class)."""
    image_ids: Dict[str, int]
    category_ids: List[int]

    def image_id(self, path: str) -> Optional[int]:
        return self.image_ids.get(os.path.realpath(path)) if path else None


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

    def records(self, label_png: Optional[str] = None, ids: Optional[DatasetIds] = None,
                path: str = '') -> List[Dict[str, Any]]:
        """The JSON records of this result (``label_png``: where a segmentation's label map is
        written; ``ids``: the dataset ids of the image at ``path``, when it is one of them)."""
        return [self.to_json()]

    def summary(self) -> Optional[str]:
        """The line ``infer.py`` prints for this image, if the task prints one."""
        return None


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

    def to_json(self, image_id: Optional[int] = None,
                category_ids: Optional[Sequence[int]] = None) -> List[Dict[str, Any]]:
        """COCO-style results: one record per box, ``bbox`` as [x, y, w, h], ``label`` the
        class index; ``category_id`` the dataset's id of the class (the label without
        ``category_ids``) and ``image_id`` when given."""
        base = self._json_base()
        if image_id is not None:
            base['image_id'] = image_id
        return [dict(base, bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
                     score=float(s), label=int(c), category=self.class_names[int(c)],
                     category_id=int(category_ids[int(c)] if category_ids else c))
                for (x1, y1, x2, y2), s, c in zip(self.boxes, self.scores, self.labels)]

    def records(self, label_png: Optional[str] = None, ids: Optional[DatasetIds] = None,
                path: str = '') -> List[Dict[str, Any]]:
        if ids is None:
            return self.to_json()
        return self.to_json(ids.image_id(path), ids.category_ids)


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

    def records(self, label_png: Optional[str] = None, ids: Optional[DatasetIds] = None,
                path: str = '') -> List[Dict[str, Any]]:
        """The record; the label map goes to ``label_png`` (8-bit, 16-bit above 256 classes)."""
        if label_png is not None:
            os.makedirs(os.path.dirname(os.path.abspath(label_png)), exist_ok=True)
            depth = np.uint8 if len(self.class_names) <= 256 else np.uint16
            if not cv2.imwrite(label_png, self.label_map.astype(depth)):
                raise PredictorInputError(f'{label_png}: cannot write the label PNG')
        return [self.to_json(label_png)]
