"""Mask stage and region extraction against direct computations."""

from __future__ import annotations

import numpy as np
from skimage.filters import threshold_otsu

from spotdiff import mask as masks
from spotdiff.regions import find_regions


def test_otsu_matches_scikit_image_on_a_bimodal_map():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(2, 0.5, 5000), rng.normal(20, 2, 1000)]).astype(np.float32)
    values = np.clip(values, 0, None).reshape(60, 100)
    ours = masks.otsu_threshold(values)
    theirs = threshold_otsu(values, nbins=256)
    assert abs(ours - theirs) < values.max() / 128


def test_fill_holes_fills_only_enclosed_background():
    m = np.zeros((20, 20), bool)
    m[2:10, 2:10] = True
    m[4:8, 4:8] = False  # enclosed hole
    m[12:20, 12:20] = True
    m[15:20, 15:17] = False  # notch open to the border: not a hole
    filled = masks.fill_holes(m)
    assert filled[2:10, 2:10].all()
    assert not filled[18, 15]


def test_hysteresis_keeps_weak_pixels_connected_to_strong_ones():
    v = np.zeros((10, 30), np.float32)
    v[5, 2:10] = 2.0
    v[5, 5] = 9.0  # strong seed in the first run
    v[5, 15:25] = 2.0  # weak run without a seed
    out = masks.hysteresis(v, 1.0, 5.0)
    assert out[5, 2:10].all() and not out[5, 15:25].any()


def test_remove_small_and_morphology():
    m = np.zeros((30, 30), bool)
    m[1, 1] = True
    m[10:20, 10:20] = True
    assert masks.remove_small(m, 2).sum() == 100
    assert masks.open_mask(m, 3)[1, 1] == False  # noqa: E712
    gap = np.zeros((10, 20), bool)
    gap[3:7, 2:9] = True
    gap[3:7, 10:17] = True
    assert masks.close_mask(gap, 3)[4:6, 9].all()


def test_regions_merge_gap_and_strength():
    m = np.zeros((40, 60), bool)
    m[5:10, 5:10] = True
    m[5:10, 12:17] = True  # 2 px apart
    m[30:35, 40:50] = True
    v = m.astype(np.float32) * 3
    v[30:35, 40:50] = 7
    r0 = find_regions(m, v)
    assert len(r0) == 3
    r = find_regions(m, v, merge_gap=3)
    assert len(r) == 2
    assert r.xyxy.tolist() == [[5, 5, 17, 10], [40, 30, 50, 35]]
    assert r.area.tolist() == [50, 50]
    np.testing.assert_allclose(r.strength, [3, 7])
    assert len(r.polygons[0]) == 2  # two outer contours grouped in one region
