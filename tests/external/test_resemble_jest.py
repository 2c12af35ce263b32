"""Resemble.js, jest-image-snapshot and reg-cli expectations, reproduced.

Data and expectations: ``resemble-fixtures`` (Resemble.js 5.0.0, MIT),
``jest-image-snapshot-fixtures`` (v6.5.2, Apache-2.0), ``reg-cli-fixtures``
(0.19.0-rc0, MIT); each folder's EXPECTED.md lists them.

* Resemble.js (default ``ignore: "less"``: every RGBA channel within a
  tolerance of 16) is ``--method absdiff --threshold 15``: a pixel differs
  when a channel differs by 16 or more. Its percentage is over all pixels,
  also when boxes restrict the comparison; its boxes exclude their edges.
* jest-image-snapshot bundles pixelmatch 5 (white blending) with
  ``threshold 0.01``: ``--method pixel --threshold 0.01 --alpha-blend white``.
* reg-cli compares with a pixelmatch port at threshold 0 and fails on any
  changed pixel.
"""

from __future__ import annotations

import numpy as np
import pytest

import spotdiff
from shared_data import require_data
from spotdiff.errors import InputError
from spotdiff.io.image import load_image

pytestmark = pytest.mark.data


# --- Resemble.js ---------------------------------------------------------------------------


def resemble(a: str, b: str, **kwargs) -> tuple[spotdiff.Diff, str]:
    root = require_data("resemble-fixtures")
    d = spotdiff.compare(root / a, root / b, method="absdiff", threshold=15, **kwargs)
    percent = 100 * d.changed_pixels / (d.width * d.height)
    return d, f"{percent:.2f}"


def resemble_box(left: int, top: int, right: int, bottom: int) -> tuple[int, int, int, int]:
    """Resemble's box keeps left < x < right, top < y < bottom."""
    return left + 1, top + 1, right, bottom


def diff_bounds(d: spotdiff.Diff) -> dict:
    ys, xs = np.nonzero(d.mask)
    return {"top": ys.min(), "left": xs.min(), "right": xs.max(), "bottom": ys.max()}


def error_pixels(name: str, color: tuple[int, int, int]) -> np.ndarray:
    """Where Resemble's diff image shows the error colour (its mismatches)."""
    px = load_image(require_data("resemble-fixtures", "expected", name)).pixels
    return np.all(px[..., :3] == color, axis=2)


MAGENTA = (255, 0, 255)  # Resemble's default errorColor


def test_people_percentage_bounds_and_pixels() -> None:
    d, percent = resemble("People.jpg", "People2.jpg")
    assert percent == "8.66"
    assert diff_bounds(d) == {"top": 58, "left": 22, "right": 450, "bottom": 431}
    assert np.array_equal(d.mask, error_pixels("PeopleComparedToPeople2.png", MAGENTA))


def test_ghost_percentage_bounds_and_pixels() -> None:
    d, percent = resemble("ghost1.png", "ghost2.png")
    assert percent == "0.27"
    assert diff_bounds(d) == {"top": 107, "left": 90, "right": 157, "bottom": 138}
    assert np.array_equal(d.mask, error_pixels("pixelErrorColorTest.png", (0, 255, 0)))


def test_ghost_bounding_box() -> None:
    h, w = load_image(require_data("resemble-fixtures", "ghost1.png")).pixels.shape[:2]
    only = np.zeros((h, w), np.uint8)
    x0, y0, x1, y1 = resemble_box(80, 80, 130, 130)
    only[y0:y1, x0:x1] = 1
    assert resemble("ghost1.png", "ghost2.png", only_mask=only)[1] == "0.04"


def test_text_default_and_boxes() -> None:
    d, percent = resemble("text.png", "textAa.png")
    assert percent == "5.19"
    assert np.array_equal(d.mask, error_pixels("diffOff.png", MAGENTA))
    boxes = [resemble_box(20, 20, 350, 80), resemble_box(20, 200, 350, 250)]
    h, w = d.height, d.width
    only = np.zeros((h, w), np.uint8)
    for x0, y0, x1, y1 in boxes:
        only[y0:y1, x0:x1] = 1
    assert resemble("text.png", "textAa.png", only_mask=only)[1] == "3.39"
    assert resemble("text.png", "textAa.png", ignore=boxes)[1] == "1.80"
    assert resemble("text.png", "textAa.png", ignore=boxes[:1])[1] == "3.52"


def test_square_uniform_shift_is_everywhere() -> None:
    # Resemble with ignore "antialiasing" but a colour tolerance of 16: the
    # uniform shift of these flat squares exceeds it at every pixel.
    assert resemble("square1.png", "square2.png")[1] == "100.00"


def test_ignore_areas_coloured_with() -> None:
    # ignoreAreasColoredWith red skips the pixels where the second image is red.
    root = require_data("resemble-fixtures")
    second = load_image(root / "PeopleWithIgnoreMask.png").pixels
    red = np.all(second[..., :3] == (255, 0, 0), axis=2)
    d, _ = resemble("People2.jpg", "PeopleWithIgnoreMask.png", ignore_mask=red.astype(np.uint8))
    assert np.array_equal(d.mask, error_pixels("ignoredColorTestResult.png", MAGENTA))


# --- jest-image-snapshot -------------------------------------------------------------------


def jest(a: str, b: str, **kwargs) -> spotdiff.Diff:
    root = require_data("jest-image-snapshot-fixtures")
    return spotdiff.compare(root / a, root / b, method="pixel", threshold=0.01,
                            method_options={"alpha_blend": "white"}, **kwargs)


def test_jest_failure_message_numbers() -> None:
    d = jest("TestImage.png", "TestImageFailure.png")
    assert (d.changed_pixels, f"{100 * d.changed_fraction:.2f}") == (8645, "86.45")
    assert d.different


def test_jest_pixel_and_percent_failure_thresholds() -> None:
    assert not jest("TestImage.png", "TestImageUpdate1pxOff.png", max_changed_pixels=2).different
    desktop = jest("Desktop_1_082.png", "Desktop_1_083.png", max_changed_fraction=0.06)
    assert desktop.changed_pixels == 115712
    assert not desktop.different


def test_jest_size_mismatch_fails() -> None:
    with pytest.raises(InputError, match="100x100 and after 153x145"):
        jest("TestImage.png", "TestImageFailureOversize.png")
    with pytest.raises(InputError, match="same size"):
        jest("TestImage.png", "TestImage150x150.png")
    # Padded, the 150x150 image has no changed pixel (why upstream checks sizes first).
    assert jest("TestImage.png", "TestImage150x150.png", size="pad").changed_pixels == 0


def test_jest_large_image_count() -> None:
    assert jest("LargeTestImage.png", "LargeTestImageFailure.png").changed_pixels == 49372


# --- reg-cli -------------------------------------------------------------------------------


def test_reg_cli_sample() -> None:
    root = require_data("reg-cli-fixtures")

    def reg(name: str, include_aa: bool) -> spotdiff.Diff:
        return spotdiff.compare(root / "actual" / name, root / "expected" / name,
                                method="pixel", threshold=0, include_aa=include_aa)

    failed = reg("sample0.png", include_aa=False)
    assert failed.different and failed.changed_pixels == 4721
    assert reg("sample0.png", include_aa=True).changed_pixels == 4969
    assert not reg("sample1.png", include_aa=False).different


# --- the default's noise reading on these lossless screenshot pairs --------------------------


@pytest.mark.parametrize(("suite", "a", "b", "count"), [
    ("resemble-fixtures", "ghost1.png", "ghost2.png", 83),
    ("jest-image-snapshot-fixtures", "LargeTestImage.png", "LargeTestImageFailure.png", 49372),
    ("reg-cli-fixtures", "expected/sample0.png", "actual/sample0.png", 3725),
])
def test_the_default_reads_small_antialiased_changes_as_lossless(suite, a, b, count):
    # Their few differing pixels within the noise band are the faint fringe of
    # the change itself: the pair is lossless and every visible pixel counts
    # (read as lossy, the counts were 471, 57414 and 4639).
    root = require_data(suite)
    d = spotdiff.compare(root / a, root / b)
    assert d.info["noise"] == 0.0
    assert d.changed_pixels == count
