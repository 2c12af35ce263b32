"""Pictures: golden images, and annotators never draw on the caller's arrays.

The golden images are compared exactly: every picture is drawn with whole
pixels (labels in spotdiff's own bitmap font, not OpenCV's anti-aliased
text), so it is the same on every OpenCV build. Regenerate them (after a
deliberate change to the drawing) with
``SPOTDIFF_UPDATE_GOLDEN=1 pytest tests/test_render.py``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff import render
from spotdiff.render import font

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
    off = got != expected
    differing = np.count_nonzero(off.any(axis=2) if off.ndim == 3 else off)
    assert differing == 0, f"{name}: {differing} pixels differ from {path.name}"


def _golden_boxes() -> np.ndarray:
    expected = cv2.imread(str(GOLDEN / "boxes.png"), cv2.IMREAD_COLOR)
    return cv2.cvtColor(expected, cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("change", ["box moved 1 px", "colour", "no outline", "no label"])
def test_golden_boxes_catch_a_drawing_change(diff, change):
    """The exact comparison fails on each small change to what is drawn."""
    d, _, _ = diff
    annotator = render.BoxAnnotator()
    if change == "box moved 1 px":
        moved = d.regions.xyxy.copy()
        moved[0] += [1, 0, 1, 0]
        d = dataclasses.replace(d, regions=dataclasses.replace(d.regions, xyxy=moved))
    elif change == "colour":
        annotator = render.BoxAnnotator(color=(254, 0, 0))
    elif change == "no outline":
        annotator = render.BoxAnnotator(outline=(255, 0, 0))
    else:
        annotator = render.BoxAnnotator(label=False)
    got = annotator.annotate(d)
    assert np.any(got != _golden_boxes())


def test_labels_are_drawn_in_whole_pixels():
    """The region numbers use only the box and outline colours: no blending."""
    canvas = np.full((40, 60, 3), 128, np.uint8)
    font.draw_text(canvas, "12", (3, 4), (255, 0, 0), scale=2, outline=1)
    colours = {tuple(c) for c in canvas.reshape(-1, 3).tolist()}
    assert colours == {(128, 128, 128), (255, 0, 0), (0, 0, 0)}
    ink = np.all(canvas == (255, 0, 0), axis=2)
    # "1" then "2": 5 cells wide, one cell apart, 7 cells high, 2 px a cell
    ys, xs = np.nonzero(ink)
    assert (ys.min(), ys.max() + 1) == (5, 5 + 14)
    assert (xs.min(), xs.max() + 1) == (4 + 2, 4 + 22)
    np.testing.assert_array_equal(ink[5:19, 4:26], font.text_mask("12", 2))


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
