"""Checked loading behind stock transform names.

Configs name the stock loaders (``LoadImageFromFile``, ``LoadAnnotations``), so that the stock
inferencers (mmseg's ``MMSegInferencer``, mmpretrain's ``ImageClassificationInferencer``), which
rewrite a test pipeline by those names, work on every config. The checked datasets of this
package swap each stock loader of their own pipeline for its checked subclass (same arguments,
plus one-line errors naming the file) when they are built.
"""
import copy
from typing import Mapping, Sequence


def with_checked_loaders(pipeline: Sequence, upgrades: Mapping[str, str]) -> list:
    """A copy of ``pipeline`` in which each transform dict whose ``type`` is a key of
    ``upgrades`` gets the checked type that it maps to; other entries are kept as they are."""
    out = []
    for transform in pipeline:
        if isinstance(transform, dict) and transform.get('type') in upgrades:
            transform = copy.copy(transform)
            transform['type'] = upgrades[transform['type']]
        out.append(transform)
    return out
