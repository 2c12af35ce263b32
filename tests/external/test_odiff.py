"""odiff 4.5.0's expected counts, with the options docs/compatibility.md lists.

Data: ``odiff-fixtures`` (dmtrKovalenko/odiff ``test/``, MIT); expectations
from its ``src/test_core.zig``, ``src/test_io_*.zig`` and README, listed in
the fixtures' EXPECTED.md. odiff's defaults map to::

    --method pixel --variant odiff --include-aa --size pad-count

(YIQ threshold 0.1 in odiff's fixed-point arithmetic, semi-transparent
pixels on white, anti-aliased pixels counted, different sizes compared top
left with the pixels only one image covers counted). odiff's
``--antialiasing`` is the same without ``--include-aa``.
"""

from __future__ import annotations

import numpy as np
import pytest

import spotdiff
from shared_data import require_data
from spotdiff.io.image import decode_image, load_image

pytestmark = pytest.mark.data

#: odiff writes its diff PNGs without the closing IEND chunk (all image data
#: is there); OpenCV's decoder wants it, so the tests add it in memory.
IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def odiff_png(path) -> np.ndarray:  # noqa: ANN001
    data = path.read_bytes()
    if not data.endswith(IEND):
        data += IEND
    return decode_image(data, name=str(path)).pixels


def odiff(a: str, b: str, *, antialiasing: bool = False, **kwargs) -> spotdiff.Diff:
    root = require_data("odiff-fixtures")
    return spotdiff.compare(root / a, root / b, method="pixel", include_aa=not antialiasing,
                            size="pad-count", method_options={"variant": "odiff"}, **kwargs)


# (a, b, options, diffCount, diffPercentage or None)
CASES = [
    ("png/orange.png", "png/orange_changed.png", {}, 1366, None),
    ("png/orange.png", "png/orange_changed.png", {"threshold": 0.5}, 25, 0.020949),
    ("aa/antialiasing-on.png", "aa/antialiasing-off.png", {"antialiasing": True}, 38, 0.095),
    ("aa/antialiasing-on.png", "aa/antialiasing-off.png", {}, 450, None),
    ("aa/antialiasing-on.png", "aa/antialiasing-off-small.png", {"antialiasing": True}, 417,
     1.0425),
    ("png/extreme-alpha.png", "png/extreme-alpha-1.png", {}, 0, 0.0),
    ("png/white4x4.png", "png/purple8x8.png", {}, 64, 100.0),
    ("png/purple8x8.png", "png/white4x4.png", {}, 64, 100.0),
    ("png/odiff-logo-dark.png", "png/odiff-logo-dark-rotated.png", {}, 2270068, 50.56),
    ("png/odiff-logo-dark-rotated.png", "png/odiff-logo-dark.png", {}, 2270068, 50.56),
    ("jpg/tiger.jpg", "jpg/tiger-2.jpg", {}, 7789, 1.1677),
    ("tiff/laptops.tiff", "tiff/laptops-2.tiff", {}, 8569, 3.79),
]


@pytest.mark.parametrize(("a", "b", "opts", "count", "percent"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CASES])
def test_expected_counts(a, b, opts, count, percent) -> None:  # noqa: ANN001
    d = odiff(a, b, **opts)
    assert d.changed_pixels == count
    if percent is not None:  # odiff's denominator: max(w) * max(h)
        assert 100 * d.changed_fraction == pytest.approx(percent, rel=1e-3, abs=5e-3)


def test_ignore_regions() -> None:
    # odiff's regions are inclusive x1:y1-x2:y2; spotdiff's boxes exclude x1, y1.
    d = odiff("png/orange.png", "png/orange_changed.png",
              ignore=[(150, 30, 311, 106), (20, 175, 106, 201)])
    assert d.changed_pixels == 0


def test_changed_pixels_are_the_ones_odiff_paints() -> None:
    # orange_diff.png is odiff's diff image of this pair: the base image with
    # the changed pixels painted red, so it differs from the base exactly there.
    root = require_data("odiff-fixtures", "png")
    d = odiff("png/orange.png", "png/orange_changed.png")
    base = load_image(root / "orange.png").pixels
    painted = odiff_png(root / "orange_diff.png")
    assert base.shape == painted.shape
    assert np.array_equal(d.mask, np.any(base != painted, axis=2))


def test_diff_lines_bounding_rect(tmp_path) -> None:  # noqa: ANN001
    root = require_data("odiff-fixtures", "png")
    fixed = tmp_path / "orange_diff.png"
    fixed.write_bytes((root / "orange_diff.png").read_bytes() + IEND)
    d = spotdiff.compare(root / "orange.png", fixed, method="pixel", include_aa=True,
                         method_options={"variant": "odiff"})
    assert d.changed_pixels == 1366
    ys, xs = np.nonzero(d.mask)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (28, 294, 37, 191)
    ignored = spotdiff.compare(root / "orange.png", fixed, method="pixel", include_aa=True,
                               method_options={"variant": "odiff"}, ignore=[(28, 37, 295, 192)])
    assert ignored.changed_pixels == 0


def test_custom_diff_colour_paints_the_same_pixels() -> None:
    root = require_data("odiff-fixtures", "png")
    red = odiff_png(root / "orange_diff.png")
    green = odiff_png(root / "orange_diff_green.png")
    d = odiff("png/orange.png", "png/orange_changed.png")
    painted_green = np.all(green[..., :3] == (0, 255, 0), axis=2) & np.any(red != green, axis=2)
    assert np.array_equal(d.mask, painted_green)


def test_clouds_bmp_differs_by_odiffs_channel_order() -> None:
    # odiff expects 192; it reads these 32-bit BMPs as RGBA where they hold
    # BGRA (its diff output shows the base with red and blue swapped). With
    # the channels read correctly the count is 191; swapped, it is odiff's 192.
    d = odiff("bmp/clouds.bmp", "bmp/clouds-2.bmp")
    assert d.changed_pixels == 191
    root = require_data("odiff-fixtures", "bmp")
    a = np.ascontiguousarray(load_image(root / "clouds.bmp").pixels[..., ::-1])
    b = np.ascontiguousarray(load_image(root / "clouds-2.bmp").pixels[..., ::-1])
    swapped = spotdiff.compare(a, b, method="pixel", include_aa=True,
                               method_options={"variant": "odiff"})
    assert swapped.changed_pixels == 192


def test_pixelmatch_arithmetic_differs_by_a_few_pixels() -> None:
    # odiff's 12-bit fixed point moves 3 of 4.5 million pixels across the
    # threshold on this pair; pixelmatch's float64 arithmetic counts them.
    root = require_data("odiff-fixtures", "png")
    d = spotdiff.compare(root / "odiff-logo-dark.png", root / "odiff-logo-dark-rotated.png",
                         method="pixel", include_aa=True, size="pad-count",
                         method_options={"alpha_blend": "white"})
    assert d.changed_pixels == 2270068 + 3


@pytest.mark.slow
@pytest.mark.parametrize(("antialiasing", "count"), [(False, 1090946), (True, 924786)])
def test_large_page(antialiasing: bool, count: int) -> None:
    d = odiff("large/www.cypress.io.png", "large/www.cypress.io-1.png",
              antialiasing=antialiasing)
    assert d.changed_pixels == count


# odiff 4.5.0 measured on the blazediff fixtures (their EXPECTED.md):
# pair -> (default, --antialiasing).
BLAZEDIFF_PAIRS = {
    "blazediff/1": (776, 624),
    "blazediff/2": (9411, 8742),
    "blazediff/3": (30389, 22103),
    "blazediff/4": (26518, 20292),
    "alpha/1": (760, 0),
    "same/1": (0, 0),
}


@pytest.mark.parametrize("pair", list(BLAZEDIFF_PAIRS))
def test_counts_measured_on_blazediff_fixtures(pair: str) -> None:
    root = require_data("blazediff-fixtures")
    default, antialiasing = BLAZEDIFF_PAIRS[pair]
    a, b = root / f"{pair}a.png", root / f"{pair}b.png"
    for aa, count in ((False, default), (True, antialiasing)):
        d = spotdiff.compare(a, b, method="pixel", include_aa=not aa, size="pad-count",
                             method_options={"variant": "odiff"})
        assert d.changed_pixels == count
