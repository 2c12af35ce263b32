"""Registration: known transforms are recovered, ``auto`` picks the simplest
model, non-overlapping pairs are refused, results stay in BEFORE's frame.

The moved images are made with scikit-image's ``transform.warp`` (not
OpenCV), and the pure shift is checked against scikit-image's
``phase_cross_correlation`` as well as the construction.
"""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff import InputError
from spotdiff.cli import main
from spotdiff.geometry import estimate_alignment

skimage = pytest.importorskip("skimage")
from skimage import data, transform  # noqa: E402
from skimage.registration import phase_cross_correlation  # noqa: E402

SIDE = 256


@pytest.fixture(scope="module")
def base() -> np.ndarray:
    """Astronaut at 320x320: BEFORE is its centre, moved views are cut from it."""
    return cv2.resize(data.astronaut(), (320, 320), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def before(base) -> np.ndarray:
    return np.ascontiguousarray(base[32:32 + SIDE, 32:32 + SIDE])


def shifted(base: np.ndarray, dx: int, dy: int, side: int = SIDE) -> np.ndarray:
    """The view of ``base`` in which BEFORE's content sits moved by (dx, dy)."""
    return np.ascontiguousarray(base[32 - dy:32 - dy + side, 32 - dx:32 - dx + side])


def about_centre(a: np.ndarray) -> np.ndarray:
    c = (SIDE - 1) / 2
    t = np.array([[1, 0, c], [0, 1, c], [0, 0, 1.0]])
    return t @ a @ np.linalg.inv(t)


def moved(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """AFTER whose point ``matrix @ p`` shows BEFORE's point ``p`` (scikit-image warp)."""
    tform = transform.ProjectiveTransform(matrix=matrix)
    out = transform.warp(image, tform.inverse, order=1, preserve_range=True)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def corner_error(found: np.ndarray, true: np.ndarray) -> float:
    corners = np.array([[0, 0], [SIDE - 1, 0], [SIDE - 1, SIDE - 1], [0, SIDE - 1]], float)

    def project(m: np.ndarray) -> np.ndarray:
        p = np.column_stack([corners, np.ones(4)]) @ m.T
        return p[:, :2] / p[:, 2:]

    return float(np.abs(project(found) - project(true)).max())


th, s = np.deg2rad(3.0), 1.02
TRANSFORMS = {
    "similarity": about_centre(np.array([[s * np.cos(th), -s * np.sin(th), 0],
                                         [s * np.sin(th), s * np.cos(th), 0], [0, 0, 1.0]])),
    "affine": about_centre(np.array([[1.0, 0.08, 0], [0.03, 0.97, 0], [0, 0, 1.0]])),
    "homography": about_centre(np.array([[1.0, 0.02, 0], [0.01, 1.0, 0],
                                         [4e-4, -3e-4, 1.0]])),
}


def test_translation_recovered(base, before):
    after = shifted(base, 7, -4)
    al = estimate_alignment(before, after, model="translation")
    np.testing.assert_allclose(al.matrix, [[1, 0, 7], [0, 1, -4], [0, 0, 1]], atol=0.1)
    # scikit-image's estimate of the shift that registers AFTER onto BEFORE
    ref, _, _ = phase_cross_correlation(cv2.cvtColor(before, cv2.COLOR_RGB2GRAY),
                                        cv2.cvtColor(after, cv2.COLOR_RGB2GRAY),
                                        upsample_factor=10)
    np.testing.assert_allclose(al.matrix[[1, 0], 2], -ref, atol=0.15)  # (row, col) order
    assert al.inlier_ratio >= 0.8 and al.residual < 0.5


@pytest.mark.parametrize("model", list(TRANSFORMS))
def test_model_recovers_known_transform(before, model):
    after = moved(before, TRANSFORMS[model])
    al = estimate_alignment(before, after, model=model)
    assert al.model == model
    assert corner_error(al.matrix, TRANSFORMS[model]) < 0.6
    assert al.inlier_ratio > 0.5 and al.residual < 2.0


@pytest.mark.parametrize("model", list(TRANSFORMS))
def test_auto_picks_the_model_that_was_applied(before, model):
    al = estimate_alignment(before, moved(before, TRANSFORMS[model]), model="auto")
    assert al.model == model
    assert corner_error(al.matrix, TRANSFORMS[model]) < 0.6


def test_auto_picks_translation_for_a_shift_and_none_when_aligned(base, before):
    assert estimate_alignment(before, shifted(base, 7, -4), model="auto").model == "translation"
    aligned = before.copy()
    aligned[100:130, 100:140] = (255, 0, 0)  # a change, not a motion
    al = estimate_alignment(before, aligned, model="auto")
    assert al.model == "none" and np.array_equal(al.matrix, np.eye(3))


def test_non_overlapping_images_are_refused(base, before):
    other = cv2.resize(data.coffee(), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    with pytest.raises(InputError, match="alignment: expected two views of the same scene"):
        spotdiff.compare(before, other, align="auto")
    left, right = base[:, :150], base[:, 170:]
    with pytest.raises(InputError, match="overlap"):
        spotdiff.compare(left, right, align="affine")


def test_cli_refuses_non_overlapping_pair_with_exit_2(tmp_path, before):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    cv2.imwrite(str(a), before)
    cv2.imwrite(str(b), cv2.resize(data.coffee(), (SIDE, SIDE)))
    out, err = io.StringIO(), io.StringIO()
    code = main(["compare", str(a), str(b), "--align", "auto", "-o", str(tmp_path / "o")],
                stdout=out, stderr=err)
    assert code == 2
    assert "alignment" in err.getvalue() and "Traceback" not in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_regions_come_back_in_before_frame_and_uncovered_pixels_are_ignored(base, before):
    after = shifted(base, 7, -4).copy()
    after[60:90, 120:160] = (20, 220, 40)  # in AFTER's pixels
    unaligned = spotdiff.compare(before, after, decompose=False)
    assert len(unaligned.regions) > 1  # the shift alone shows everywhere
    # by default the shift is explained first, and only the patch is left
    default = spotdiff.compare(before, after)
    assert default.info["global"]["shift"] == pytest.approx([7, -4], abs=0.1)
    assert default.regions.xyxy.tolist() == [[113, 64, 153, 94]] and default.different
    d = spotdiff.compare(before, after, align="auto")
    assert d.info["alignment"]["model"] == "translation"
    # AFTER's (x, y) is BEFORE's (x - 7, y + 4)
    assert d.regions.xyxy.tolist() == [[113, 64, 153, 94]]
    # BEFORE's pixels x >= 249 or y < 4 have no AFTER pixel: never changes
    assert not d.mask[:, 249:].any() and not d.mask[:4].any()
    assert d.info["compared_pixels"] == 249 * 252
    payload = d.to_dict()
    assert "_after_pixels" not in payload and payload["options"]["align"] == "auto"
    assert payload["alignment"]["matrix"][0][2] == pytest.approx(7, abs=0.1)
    json.dumps(payload)


def test_different_sizes_align_without_size_policy(base, before):
    after = shifted(base, 7, -4, side=SIDE)[: SIDE - 30, : SIDE - 50]
    d = spotdiff.compare(before, after, align="auto")
    assert (d.height, d.width) == before.shape[:2] and not d.different
    assert d.info["alignment"]["model"] == "translation"
    assert d.after_aligned.shape == before.shape
    with pytest.raises(InputError, match="size with align"):
        spotdiff.compare(before, after, align="auto", size="pad")
    with pytest.raises(InputError, match="image sizes"):
        spotdiff.compare(before, after)
