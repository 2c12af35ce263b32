"""Pictures: golden images, and annotators never draw on the caller's arrays.

Regenerate the golden images (after a deliberate change to the drawing)
with ``SPOTDIFF_UPDATE_GOLDEN=1 pytest tests/test_render.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff import render

GOLDEN = Path(__file__).parent / "golden"
ANNOTATORS = {
    "heatmap": render.HeatmapAnnotator(),
    "mask": render.MaskAnnotator(),
    "boxes": render.BoxAnnotator(),
    "overlay": render.OverlayAnnotator(),
    "extract": render.ExtractAnnotator(),
}


@pytest.fixture(scope="module")
def diff():
    h, w = 96, 128
    y, x = np.mgrid[0:h, 0:w]
    before = np.stack([x * 2, y * 2, 255 - x], axis=2).astype(np.uint8)
    after = before.copy()
    cv2.circle(after, (40, 40), 14, (255, 255, 0), -1)
    after[70:80, 90:120] = (0, 0, 0)
    return spotdiff.compare(before, after), before, after


@pytest.mark.parametrize("name", sorted(ANNOTATORS))
def test_golden_pictures(diff, name):
    d, _, _ = diff
    got = ANNOTATORS[name].annotate(d)
    path = GOLDEN / f"{name}.png"
    if os.environ.get("SPOTDIFF_UPDATE_GOLDEN"):
        spotdiff.io.write_image(path, got, compression=9)
    expected = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert expected is not None, f"missing golden image {path}; run with SPOTDIFF_UPDATE_GOLDEN=1"
    if expected.ndim == 3:
        expected = cv2.cvtColor(expected, cv2.COLOR_BGR2RGB)
    assert got.shape == expected.shape
    off = np.abs(got.astype(int) - expected.astype(int)).max(axis=-1 if got.ndim == 3 else None)
    # tolerate antialiased text drawn by another OpenCV build: a few pixels, slightly off
    assert np.count_nonzero(off > 2) <= 0.002 * off.size


def test_annotators_leave_inputs_untouched(diff):
    d, before, after = diff
    b0, a0 = d.before.pixels.copy(), d.after.pixels.copy()
    for annotator in ANNOTATORS.values():
        annotator.annotate(d)
    np.testing.assert_array_equal(d.before.pixels, b0)
    np.testing.assert_array_equal(d.after.pixels, a0)


def test_pictures_follow_the_mask(diff):
    d, _, after = diff
    extract = render.ExtractAnnotator().annotate(d)
    np.testing.assert_array_equal(extract[d.mask], after[d.mask])
    assert not extract[~d.mask].any()
    overlay = render.OverlayAnnotator().annotate(d)
    assert overlay.shape == after.shape
    bare = render.HeatmapAnnotator(underlay=False).annotate(d)
    assert bare[~d.mask].mean() < bare[d.mask].mean()
    heat = render.HeatmapAnnotator().annotate(d).astype(int)
    spread = heat.max(axis=2) - heat.min(axis=2)  # 0 on the gray underlay
    assert (spread[d.diff_map == 0] == 0).all()
    assert np.median(spread[d.mask]) > 60
