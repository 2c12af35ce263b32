"""The jitter stage against shifts made with OpenCV's warpAffine (known ground truth)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from spotdiff.background import stages
from synthetic import scene


def _shifted(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``out(x + dx, y + dy) = img(x, y)`` by bilinear warpAffine."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, img.shape[1::-1], flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("shift", [(1.4, -0.6), (-3.3, 2.7), (0.6, 0.0)])
def test_subpixel_shift_is_recovered(shift):
    bg = cv2.GaussianBlur(scene(seed=4), (3, 3), 0)
    got = stages.estimate_shift(_shifted(bg, *shift), bg)
    assert np.allclose(got, shift, atol=0.1), got


def test_phase_correlation_inputs_are_not_windowed_in_place():
    # cv2.phaseCorrelate multiplies its inputs by the window: the refinement must not
    # see the windowed images (it then drifts by pixels)
    bg = scene(seed=5)
    a = stages.estimate_shift(_shifted(bg, 2.2, 1.1), bg)
    b = stages.estimate_shift(_shifted(bg, 2.2, 1.1), bg)
    assert a == b and np.allclose(a, (2.2, 1.1), atol=0.15)


def test_excluded_object_does_not_pull_the_shift():
    # a large textured object, itself displaced by 1.5 pixels from where it is in the
    # background (a car that moved), pulls an unmasked alignment off the camera's shift
    bg = scene(seed=6)
    bg[20:80, 30:100] = scene(seed=7)[20:80, 30:100]
    frame = _shifted(bg, 0.8, 0.0)
    frame[20:80, 30:100] = _shifted(bg, 2.3, 0.0)[20:80, 30:100]
    where = np.zeros(bg.shape[:2], bool)
    where[18:82, 28:102] = True
    pulled = stages.estimate_shift(frame, bg)
    got = stages.estimate_shift(frame, bg, exclude=where)
    assert abs(pulled[0] - 0.8) > 0.3  # the test scene does pull
    assert np.allclose(got, (0.8, 0.0), atol=0.15), (got, pulled)


@pytest.mark.parametrize("size", [3, 9, 17])
def test_majority_is_the_median_of_a_binary_mask(size):
    rng = np.random.default_rng(size)
    mask = rng.random((61, 83)) < 0.45
    mask[10:40, 20:50] = True
    want = cv2.medianBlur(mask.astype(np.uint8) * 255, size) > 0
    assert np.array_equal(stages.majority(mask, size), want)


def test_shadow_mask_only_looks_at_the_candidates_box():
    # a darkened, same-texture patch away from the frame's corner: the result on a
    # small candidate region must equal the whole-frame test cut to that region
    rng = np.random.default_rng(3)
    bg = cv2.GaussianBlur(rng.integers(60, 200, (90, 120, 3), dtype=np.uint8), (5, 5), 0)
    frame = bg.copy()
    frame[30:60, 40:90] = (frame[30:60, 40:90] * 0.7).astype(np.uint8)
    frame[40:50, 50:60] = (255, 0, 0)  # an object inside the shadow
    whole = stages.shadow_mask(frame, bg)
    cand = np.zeros(bg.shape[:2], np.bool_)
    cand[32:58, 45:85] = True
    got = stages.shadow_mask(frame, bg, cand)
    assert np.array_equal(got, whole & cand)
    assert got[35:55, 62:80].mean() > 0.9 and not got[40:50, 50:60].any()
