"""GrabCut refinement of a change mask."""

from __future__ import annotations

import cv2
import numpy as np

import spotdiff
from spotdiff.refine import grabcut_refine


def _textured(h=160, w=200, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(90, 110, (h // 8, w // 8, 3)).astype(np.uint8)
    return cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)


def test_refine_snaps_a_rough_mask_to_the_object():
    before = _textured()
    after = before.copy()
    obj = np.zeros(before.shape[:2], bool)
    cv2.circle(obj.view(np.uint8), (100, 80), 30, 1, -1)
    after[obj] = (200, 60, 40)
    # an outline 2 px too wide with a stripe through it, as thresholds leave
    rough = cv2.dilate(obj.view(np.uint8), np.ones((5, 5), np.uint8)).view(np.bool_)
    rough[79:81, :] &= False
    refined = grabcut_refine(before, after, rough, np.array([[60, 40, 140, 120]]))

    def iou(m):
        return (m & obj).sum() / (m | obj).sum()

    assert iou(rough) < 0.9
    assert iou(refined) > 0.95


def test_refine_finds_a_removed_object_in_before():
    after = _textured(seed=1)
    before = after.copy()
    obj = np.zeros(after.shape[:2], bool)
    obj[50:100, 70:140] = True
    before[obj] = (30, 40, 200)  # the object was in BEFORE and is gone
    rough = cv2.dilate(obj.view(np.uint8), np.ones((5, 5), np.uint8)).view(np.bool_)
    refined = grabcut_refine(before, after, rough, np.array([[60, 40, 150, 110]]))
    assert (rough & obj).sum() / (rough | obj).sum() < 0.9
    assert (refined & obj).sum() / (refined | obj).sum() > 0.95


def test_refine_keeps_the_mask_when_the_cut_disagrees(monkeypatch):
    # a ring-shaped mask on an object of the background's own colours:
    # GrabCut's cut disagrees with it, and the mask is kept as it is
    import spotdiff.refine as refine

    before = _textured(seed=2)
    after = before.copy()
    obj = np.zeros(before.shape[:2], bool)
    obj[60:100, 80:120] = True
    after[obj] = np.roll(before, 37, axis=1)[obj]
    ring = obj.copy()
    ring[66:94, 86:114] = False
    box = np.array([[80, 60, 120, 100]])
    gate = refine.MIN_AGREEMENT
    monkeypatch.setattr(refine, "MIN_AGREEMENT", 0.0)  # the cut without the gate
    free = grabcut_refine(before, after, ring, box)
    assert (free & ring).sum() / (free | ring).sum() < gate
    monkeypatch.undo()
    np.testing.assert_array_equal(grabcut_refine(before, after, ring, box), ring)


def test_compare_refine_option_and_json(scene):
    after = scene.copy()
    cv2.ellipse(after, (80, 60), (25, 15), 0, 0, 360, (10, 120, 240), -1)
    d = spotdiff.compare(scene, after, refine=True)
    assert d.different and d.options["refine"] is True
    assert len(d.regions) == 1
    x0, y0, x1, y1 = d.regions.xyxy[0]
    assert abs(x0 - 55) <= 2 and abs(x1 - 106) <= 2 and abs(y0 - 45) <= 2 and abs(y1 - 76) <= 2


def test_refine_keeps_the_seed_when_the_crop_is_flat():
    flat = np.full((60, 60, 3), 128, np.uint8)
    mask = np.zeros((60, 60), bool)
    mask[20:40, 20:40] = True
    out = grabcut_refine(flat, flat, mask, np.array([[20, 20, 40, 40]]))
    np.testing.assert_array_equal(out, mask)


def test_refine_leaves_small_regions_alone():
    before = _textured()
    after = before.copy()
    after[10:18, 10:18] = 0
    mask = np.zeros(before.shape[:2], bool)
    mask[9:19, 9:19] = True  # 100 px: too few for colour models
    out = grabcut_refine(before, after, mask, np.array([[9, 9, 19, 19]]))
    np.testing.assert_array_equal(out, mask)
