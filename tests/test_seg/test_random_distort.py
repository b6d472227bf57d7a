"""PaddleSegRandomDistort: PaddleSeg's RandomDistort (the Cityscapes configs' colour distortion)
in an mmseg pipeline: the same image operations, probabilities, ranges and random order."""
import importlib.util
from collections import Counter

import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

from pplc_vision.datasets.seg_transforms import PaddleSegRandomDistort

CITYSCAPES = dict(brightness_range=0.4, contrast_range=0.4, saturation_range=0.4)


@pytest.fixture(scope='module')
def paddleseg_functional():
    """paddleseg/transforms/functional.py of the installed paddleseg wheel (a test dependency),
    loaded on its own: it needs numpy, cv2, PIL and scipy, not paddle."""
    spec = importlib.util.find_spec('paddleseg')
    assert spec is not None, 'paddleseg (a declared test dependency) is not installed'
    path = f'{spec.submodule_search_locations[0]}/transforms/functional.py'
    module_spec = importlib.util.spec_from_file_location('paddleseg_functional', path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def photo() -> np.ndarray:
    """A 48x64 RGB image with smooth colour ramps and noise (every hue and level)."""
    rng = np.random.RandomState(0)
    y, x = np.mgrid[0:48, 0:64]
    img = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1) + rng.randint(0, 40, (48, 64, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.mark.parametrize('name, factor', [
    ('brightness', 0.63), ('brightness', 1.37), ('contrast', 0.7), ('contrast', 1.4),
    ('saturation', 0.6), ('saturation', 1.25), ('sharpness', 1.5), ('hue', -13.7), ('hue', 17.2)
])
def test_each_distortion_equals_paddleseg(paddleseg_functional, photo, name, factor):
    """With its range pinned to one value, PaddleSeg's op is deterministic: same pixels."""
    from PIL import Image
    theirs = getattr(paddleseg_functional, name)(Image.fromarray(photo), factor, factor)
    ours = PaddleSegRandomDistort.apply(photo, [(name, factor)])
    np.testing.assert_array_equal(ours, np.asarray(theirs))
    assert not np.array_equal(ours, photo)


def test_bgr_images_are_distorted_as_rgb(paddleseg_functional, photo, monkeypatch):
    """mmseg loads BGR; the distortion (saturation and hue depend on the order) is applied to
    the RGB image, as in PaddleSeg, and the result is BGR again."""
    from PIL import Image
    steps = [('saturation', 1.3), ('hue', 9.0), ('contrast', 0.8)]
    expected = Image.fromarray(photo)
    for name, factor in steps:
        expected = getattr(paddleseg_functional, name)(expected, factor, factor)
    transform = PaddleSegRandomDistort(**CITYSCAPES)
    monkeypatch.setattr(transform, 'draw', lambda color=True: steps)
    out = transform(dict(img=photo[..., ::-1].copy()))['img']
    np.testing.assert_array_equal(out[..., ::-1], np.asarray(expected))
    rgb = PaddleSegRandomDistort(**CITYSCAPES, channel_order='rgb')
    monkeypatch.setattr(rgb, 'draw', lambda color=True: steps)
    np.testing.assert_array_equal(rgb(dict(img=photo.copy()))['img'], np.asarray(expected))


def test_draws_have_paddleseg_statistics():
    """Cityscapes settings: brightness/contrast/saturation factors uniform in 0.6..1.4 and a hue
    shift uniform in -18..18, each with probability 0.5, never sharpening; uniformly random
    order."""
    transform = PaddleSegRandomDistort(**CITYSCAPES)
    np.random.seed(0)
    draws = [transform.draw() for _ in range(4000)]
    factors = {name: [f for d in draws for n, f in d if n == name]
               for name in ('brightness', 'contrast', 'saturation', 'hue', 'sharpness')}
    assert factors['sharpness'] == []
    for name, low, high in [('brightness', 0.6, 1.4), ('contrast', 0.6, 1.4),
                            ('saturation', 0.6, 1.4), ('hue', -18, 18)]:
        values = np.array(factors[name])
        assert len(values) / len(draws) == pytest.approx(0.5, abs=0.03), name
        assert low <= values.min() < low + 0.05 * (high - low), name
        assert high - 0.05 * (high - low) < values.max() <= high, name
        assert values.mean() == pytest.approx((low + high) / 2, abs=0.03 * (high - low)), name
        assert values.std() == pytest.approx((high - low) / 12 ** 0.5, rel=0.05), name  # uniform
    firsts = Counter(d[0][0] for d in draws if len(d) == 4)  # all four applied: who goes first
    assert set(firsts) == {'brightness', 'contrast', 'saturation', 'hue'}
    assert min(firsts.values()) / sum(firsts.values()) > 0.15  # 0.25 each if uniform


def test_seeded_determinism_and_labels_untouched(photo):
    transform = TRANSFORMS.build(dict(type='PaddleSegRandomDistort', **CITYSCAPES))
    label = np.random.RandomState(1).randint(0, 19, photo.shape[:2]).astype(np.uint8)
    outs = []
    for seed in (3, 3, 4):
        np.random.seed(seed)
        results = transform(dict(img=photo.copy(), gt_seg_map=label.copy(), seg_fields=[
            'gt_seg_map']))
        np.testing.assert_array_equal(results['gt_seg_map'], label)
        assert results['img'].dtype == np.uint8 and results['img'].shape == photo.shape
        outs.append(results['img'])
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_gray_images_skip_hue_and_bad_arguments_fail(photo):
    np.random.seed(0)
    transform = PaddleSegRandomDistort(**CITYSCAPES)
    assert all(n != 'hue' for _ in range(200) for n, _ in transform.draw(color=False))
    gray = photo[..., 0].copy()
    assert transform(dict(img=gray))['img'].shape == gray.shape
    with pytest.raises(ValueError, match='channel_order'):
        PaddleSegRandomDistort(channel_order='hsv')
    with pytest.raises(ValueError, match='contrast'):
        PaddleSegRandomDistort(contrast_prob=1.5)
