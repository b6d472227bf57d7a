"""The post-processing of PaddleClas' PULC classifiers, as their deployment applies it.

PaddleClas' ``deploy/python/postprocess.py`` (paddleclas 2.6.0) turns a PULC model's
probabilities into its task's answer; most of them are not an argmax:

- :class:`ThreshOutput` (person/car/code exists, safety helmet, clarity): two classes, class 1
  when its probability reaches ``threshold`` (scored ``p1``), else class 0 (scored ``1 - p1``);
  with more classes, the best one when above ``threshold``, else ``default_label_index``.
- :class:`PersonAttribute` (26 PA-100K attributes): gender and the ``*: True/False`` flags by
  threshold (glasses and "hold objects in front" with their own), age and direction by argmax,
  the bag type when the best reaches the threshold, sleeves by comparison, upper and lower
  clothing styles above the threshold.
- :class:`VehicleAttribute` (10 colours, 9 types): each group's best, "unknown" below its
  threshold.
- :class:`TableAttribute` (6 binary table properties).

Each takes probabilities ``(N, C)`` (softmax for ThreshOutput, sigmoid for the attribute tasks,
as PaddleClas' exported models give them) and returns one dict per image in upstream's form
(``class_ids``/``scores``/``label_names``, or ``attributes``/``output``), value for value, so
that results compare one to one with PaddleClas'. Upstream quirks are kept, and named where
they occur. Build one from a config dict with :func:`build_pulc_postprocess`; the PP-LCNet
classification heads take it as ``postprocess=dict(type='PersonAttribute', ...)``.
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

Result = Dict[str, Any]


def _as_probabilities(probs: Any, num_classes: Optional[int], owner: str) -> np.ndarray:
    """``(N, C)`` float32 numpy probabilities; one-line error for another shape."""
    if hasattr(probs, 'detach'):  # a torch tensor
        probs = probs.detach().cpu().numpy()
    probs = np.asarray(probs, dtype=np.float32)
    if probs.ndim == 1:
        probs = probs[None]
    if probs.ndim != 2 or (num_classes is not None and probs.shape[1] != num_classes):
        expected = f'(N, {num_classes})' if num_classes is not None else '(N, C)'
        raise ValueError(f'{owner}: expected probabilities {expected}, got shape '
                         f'{tuple(probs.shape)}')
    return probs


def _flags(values: Sequence[float], thresholds: Sequence[float]) -> List[int]:
    """upstream's ``output``: 1 where a value exceeds its threshold (strictly), else 0."""
    return [int(v > t) for v, t in zip(values, thresholds)]


class ThreshOutput:
    """A class chosen against a score threshold instead of by argmax.

    Args:
        threshold: With two classes: class 1 when ``p1 >= threshold``. With more: the best
            class when its probability exceeds ``threshold``, else ``default_label_index``.
        default_label_index: The class of an undecided image (more than two classes).
        label_0, label_1: Names of the two classes.
        class_names: Names of the classes when there are more than two (upstream's
            ``class_id_map_file``); an empty name otherwise.
    """
    num_classes: Optional[int] = None

    def __init__(self, threshold: float = 0.0, default_label_index: int = 0,
                 label_0: str = '0', label_1: str = '1',
                 class_names: Optional[Sequence[str]] = None) -> None:
        self.threshold = threshold
        self.default_label_index = default_label_index
        self.label_0, self.label_1 = label_0, label_1
        self.class_names = list(class_names) if class_names is not None else None

    def label(self, probs: np.ndarray) -> int:
        """The chosen class of one image's probabilities."""
        if len(probs) == 2:
            return int(probs[1] >= self.threshold)
        best = int(np.argsort(probs)[::-1][0])  # upstream's argsort: the last of tied bests
        return best if probs[best] > self.threshold else self.default_label_index

    def __call__(self, probs: Any) -> List[Result]:
        results = []
        for p in _as_probabilities(probs, self.num_classes, 'ThreshOutput'):
            label = self.label(p)
            if len(p) == 2:
                score, name = (p[1], self.label_1) if label else (1 - p[1], self.label_0)
            else:
                score = p[label]
                name = self.class_names[label] if self.class_names is not None else ''
            results.append(dict(class_ids=[label], scores=[score], label_names=[name]))
        return results


class PersonAttribute:
    """PA-100K's 26 person attributes grouped into PaddleClas' 10 answers.

    Args:
        threshold: Of gender, hat, bag, clothing styles and boots.
        glasses_threshold: Of glasses (0.3 in the PULC configs).
        hold_threshold: Of "holding objects in front" (0.6 in the PULC configs).
    """
    num_classes = 26
    #: The attribute of each output, in PaddleClas' order (the grouping below reads it).
    ATTRIBUTES = ('Hat', 'Glasses', 'ShortSleeve', 'LongSleeve', 'UpperStride', 'UpperLogo',
                  'UpperPlaid', 'UpperSplice', 'LowerStripe', 'LowerPattern', 'LongCoat',
                  'Trousers', 'Shorts', 'Skirt&Dress', 'Boots', 'HandBag', 'ShoulderBag',
                  'Backpack', 'HoldObjectsInFront', 'AgeLess18', 'Age18-60', 'AgeOver60',
                  'Female', 'Front', 'Side', 'Back')
    HAT, GLASSES, SHORT_SLEEVE, LONG_SLEEVE, BOOTS, HOLD, FEMALE = 0, 1, 2, 3, 14, 18, 22
    UPPER, LOWER, BAGS, AGES, DIRECTIONS = (range(4, 8), range(8, 14), range(15, 18),
                                            range(19, 22), range(23, 26))

    def __init__(self, threshold: float = 0.5, glasses_threshold: float = 0.3,
                 hold_threshold: float = 0.6) -> None:
        self.threshold = threshold
        self.glasses_threshold = glasses_threshold
        self.hold_threshold = hold_threshold

    def _best(self, p: List[float], group: range) -> int:
        return group[int(np.argmax(p[group.start:group.stop]))]

    def _styles(self, p: List[float], group: range) -> List[str]:
        return [self.ATTRIBUTES[i] for i in group if p[i] > self.threshold]

    def attributes(self, p: List[float]) -> List[str]:
        names, thr = self.ATTRIBUTES, self.threshold
        bag = self._best(p, self.BAGS)
        sleeve = 'LongSleeve' if p[self.LONG_SLEEVE] > p[self.SHORT_SLEEVE] else 'ShortSleeve'
        # upstream writes 'Lower: ' and then ' <style>': two spaces before the first style
        lower = self._styles(p, self.LOWER) or [names[self._best(p, self.LOWER)]]
        return [
            'Female' if p[self.FEMALE] > thr else 'Male',
            names[self._best(p, self.AGES)],
            names[self._best(p, self.DIRECTIONS)],
            f'Glasses: {p[self.GLASSES] > self.glasses_threshold}',
            f'Hat: {p[self.HAT] > thr}',
            f'HoldObjectsInFront: {p[self.HOLD] > self.hold_threshold}',
            names[bag] if p[bag] > thr else 'No bag',
            ' '.join(['Upper:', sleeve] + self._styles(p, self.UPPER)),
            'Lower: ' + ''.join(f' {style}' for style in lower),
            'Boots' if p[self.BOOTS] > thr else 'No boots',
        ]

    def __call__(self, probs: Any) -> List[Result]:
        results = []
        for row in _as_probabilities(probs, self.num_classes, 'PersonAttribute'):
            p = row.tolist()
            # upstream's 0/1 output uses 0.5 for every attribute but glasses and hold,
            # whatever `threshold` is
            thresholds = [0.5] * len(p)
            thresholds[self.GLASSES] = self.glasses_threshold
            thresholds[self.HOLD] = self.hold_threshold
            results.append(dict(attributes=self.attributes(p), output=_flags(p, thresholds)))
        return results


class VehicleAttribute:
    """VeRi-style vehicle colour (10) and type (9) from 19 sigmoid outputs.

    Args:
        color_threshold, type_threshold: A group's best below its threshold is "unknown".
    """
    num_classes = 19
    COLORS = ('yellow', 'orange', 'green', 'gray', 'red', 'blue', 'white', 'golden', 'brown',
              'black')
    TYPES = ('sedan', 'suv', 'van', 'hatchback', 'mpv', 'pickup', 'bus', 'truck', 'estate')
    ATTRIBUTES = COLORS + TYPES

    def __init__(self, color_threshold: float = 0.5, type_threshold: float = 0.5) -> None:
        self.color_threshold = color_threshold
        self.type_threshold = type_threshold

    @staticmethod
    def _group(what: str, names: Sequence[str], values: List[float], threshold: float) -> str:
        best = int(np.argmax(values))
        if values[best] >= threshold:  # upstream: >= here, > in `output`
            return f'{what}: ({names[best]}, prob: {values[best]})'
        return f'{what} unknown'

    def __call__(self, probs: Any) -> List[Result]:
        results = []
        n = len(self.COLORS)
        thresholds = [self.color_threshold] * n + [self.type_threshold] * len(self.TYPES)
        for row in _as_probabilities(probs, self.num_classes, 'VehicleAttribute'):
            p = row.tolist()
            color = self._group('Color', self.COLORS, p[:n], self.color_threshold)
            kind = self._group('Type', self.TYPES, p[n:], self.type_threshold)
            results.append(dict(attributes=f'{color}, {kind}', output=_flags(p, thresholds)))
        return results


class TableAttribute:
    """Six binary properties of a photographed or scanned table.

    Args:
        source_threshold, number_threshold, color_threshold, clarity_threshold,
        obstruction_threshold, angle_threshold: One per property. Upstream names obstruction
            and angle against ``number_threshold`` (kept here); its 0/1 ``output`` uses each
            property's own threshold.
    """
    num_classes = 6
    #: (name when above the threshold, name otherwise) per output
    PROPERTIES = (('Scanned', 'Photo'), ('Little', 'Numerous'), ('Black-and-White', 'Multicolor'),
                  ('Clear', 'Blurry'), ('Without-Obstacles', 'With-Obstacles'),
                  ('Horizontal', 'Tilted'))
    ATTRIBUTES = tuple(above for above, _ in PROPERTIES)

    def __init__(self, source_threshold: float = 0.5, number_threshold: float = 0.5,
                 color_threshold: float = 0.5, clarity_threshold: float = 0.5,
                 obstruction_threshold: float = 0.5, angle_threshold: float = 0.5) -> None:
        self.thresholds = [source_threshold, number_threshold, color_threshold,
                           clarity_threshold, obstruction_threshold, angle_threshold]

    def __call__(self, probs: Any) -> List[Result]:
        naming = self.thresholds[:4] + [self.thresholds[1]] * 2
        results = []
        for row in _as_probabilities(probs, self.num_classes, 'TableAttribute'):
            p = row.tolist()
            names = [above if v > t else below
                     for v, t, (above, below) in zip(p, naming, self.PROPERTIES)]
            results.append(dict(attributes=names, output=_flags(p, self.thresholds)))
        return results


PULC_POSTPROCESS = {cls.__name__: cls for cls in (ThreshOutput, PersonAttribute,
                                                  VehicleAttribute, TableAttribute)}


def build_pulc_postprocess(cfg: dict, num_classes: Optional[int] = None):
    """A post-processing from ``dict(type=NAME, **arguments)`` (NAME one of
    :data:`PULC_POSTPROCESS`); with ``num_classes``, checked against the task's class count."""
    if not isinstance(cfg, dict) or cfg.get('type') not in PULC_POSTPROCESS:
        raise ValueError(f'postprocess must be a dict with type one of '
                         f'{sorted(PULC_POSTPROCESS)}, got {cfg!r}')
    args = {k: v for k, v in cfg.items() if k != 'type'}
    cls = PULC_POSTPROCESS[cfg['type']]
    try:
        processor = cls(**args)
    except TypeError as e:
        raise ValueError(f'postprocess {cfg["type"]}: {e}') from None
    expected = cls.num_classes or (2 if cls is ThreshOutput and not args.get('class_names')
                                   else None)
    if num_classes is not None and expected is not None and expected != num_classes:
        raise ValueError(f'postprocess {cfg["type"]} reads {expected} outputs, but the head '
                         f'has num_classes={num_classes}')
    return processor

