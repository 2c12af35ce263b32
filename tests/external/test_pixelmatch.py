"""pixelmatch v7.2.0's own test suite: the 12 counts and diff images.

Data: ``pixelmatch-fixtures`` (mapbox/pixelmatch ``test/fixtures``, ISC);
the expectations are ``test/test.js`` of the released 7.2.0 (YIQ delta,
checkerboard blending), listed in the fixtures' EXPECTED.md.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import spotdiff
from shared_data import require_data
from spotdiff.cli import main
from spotdiff.io.image import load_image
from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator, rgba8

pytestmark = pytest.mark.data

# (img1, img2, pixelmatch options, expected count, expected diff image)
CASES = [
    ("1a", "1b", {"threshold": 0.05}, 143, "1diff"),
    ("1a", "1b", {}, 106, "1diffdefaultthreshold"),
    ("1a", "1b", {"threshold": 0.05, "includeAA": False, "diffMask": True}, 143, "1diffmask"),
    ("1a", "1a", {"threshold": 0, "diffMask": True}, 0, "1emptydiffmask"),
    ("2a", "2b", {"threshold": 0.05, "alpha": 0.5, "aaColor": (0, 192, 0),
                  "diffColor": (255, 0, 255)}, 12437, "2diff"),
    ("3a", "3b", {"threshold": 0.05}, 212, "3diff"),
    ("4a", "4b", {"threshold": 0.05}, 36049, "4diff"),
    ("5a", "5b", {"threshold": 0.05}, 6, "5diff"),
    ("6a", "6b", {"threshold": 0.05}, 51, "6diff"),
    ("6a", "6a", {"threshold": 0}, 0, "6empty"),
    ("7a", "7b", {"diffColorAlt": (0, 255, 0)}, 2448, "7diff"),
    ("8a", "5b", {"threshold": 0.05}, 32896, "8diff"),
]
IDS = [case[4] for case in CASES]


def _inputs(a: str, b: str) -> tuple:
    root = require_data("pixelmatch-fixtures", "inputs")
    return root / f"{a}.png", root / f"{b}.png"


def _style(opts: dict) -> dict:
    names = {"alpha": "alpha", "aaColor": "aa_color", "diffColor": "diff_color",
             "diffColorAlt": "diff_color_alt", "diffMask": "diff_mask"}
    return {names[k]: v for k, v in opts.items() if k in names}


@pytest.mark.parametrize(("a", "b", "opts", "expected", "image"), CASES, ids=IDS)
def test_api_count_and_diff_image(a, b, opts, expected, image) -> None:  # noqa: ANN001
    before, after = _inputs(a, b)
    kwargs = {"threshold": opts["threshold"]} if "threshold" in opts else {}
    d = spotdiff.compare(before, after, method="pixel",
                         include_aa=opts.get("includeAA", False), **kwargs)
    assert d.changed_pixels == expected

    picture = PixelmatchDiffAnnotator(**_style(opts)).annotate(d)
    ref = load_image(require_data("pixelmatch-fixtures", "expected-diff-v7.2.0-yiq",
                                  f"{image}.png"))
    expected_rgba = rgba8(ref, ref.pixels.shape[:2])  # the RGBA bytes pixelmatch wrote
    assert picture.shape == expected_rgba.shape
    mismatched = int(np.count_nonzero((picture != expected_rgba).any(axis=2)))
    assert mismatched == 0


@pytest.mark.parametrize(("a", "b", "opts", "expected", "image"), CASES, ids=IDS)
def test_cli_json_count(a, b, opts, expected, image) -> None:  # noqa: ANN001
    before, after = _inputs(a, b)
    argv = ["compare", str(before), str(after), "--method", "pixel", "--json"]
    if "threshold" in opts:
        argv += ["--threshold", str(opts["threshold"])]
    out = io.StringIO()
    code = main(argv, stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["changed_pixels"] == expected
    assert code == (1 if expected else 0)


def test_cli_writes_the_pixelmatch_picture(tmp_path) -> None:  # noqa: ANN001
    before, after = _inputs("2a", "2b")
    argv = ["compare", str(before), str(after), "--method", "pixel", "--threshold", "0.05",
            "--alpha", "0.5", "--aa-color", "0,192,0", "--diff-color", "#ff00ff",
            "-o", str(tmp_path), "--pictures", "pixelmatch"]
    assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) == 1
    written = load_image(tmp_path / "pixelmatch.png")
    ref = load_image(require_data("pixelmatch-fixtures", "expected-diff-v7.2.0-yiq", "2diff.png"))
    assert np.array_equal(rgba8(written, written.pixels.shape[:2]),
                          rgba8(ref, ref.pixels.shape[:2]))


def test_white_blending_gives_the_pre_v7_counts() -> None:
    # Before v7.0.0 (and with `checkerboard: false`) semi-transparent pixels
    # were blended on white: 5a/5b then differ nowhere (EXPECTED.md, History).
    # PyPI pixelmatch 0.4.0 (white) also reports 0 for 8a/5b (32896 on a checkerboard).
    for a, b in (("5a", "5b"), ("8a", "5b")):
        before, after = _inputs(a, b)
        d = spotdiff.compare(before, after, method="pixel", threshold=0.05,
                             method_options={"alpha_blend": "white"})
        assert d.changed_pixels == 0


# Counts measured with npm pixelmatch 7.2.0 on other suites' fixtures (their
# EXPECTED.md): (folder, a, b, threshold, includeAA, count).
MEASURED = [
    ("blazediff-fixtures", "blazediff/1a.png", "blazediff/1b.png", 0.1, False, 624),
    ("blazediff-fixtures", "blazediff/1a.png", "blazediff/1b.png", 0.1, True, 776),
    ("blazediff-fixtures", "blazediff/1a.png", "blazediff/1b.png", 0, True, 792),
    ("blazediff-fixtures", "blazediff/2a.png", "blazediff/2b.png", 0.1, False, 8742),
    ("blazediff-fixtures", "blazediff/2a.png", "blazediff/2b.png", 0, True, 9512),
    ("blazediff-fixtures", "blazediff/3a.png", "blazediff/3b.png", 0.1, False, 22869),
    ("blazediff-fixtures", "blazediff/3a.png", "blazediff/3b.png", 0.1, True, 30421),
    ("blazediff-fixtures", "blazediff/3a.png", "blazediff/3b.png", 0.01, False, 42039),
    ("blazediff-fixtures", "blazediff/3a.png", "blazediff/3b.png", 0, True, 88126),
    ("blazediff-fixtures", "blazediff/4a.png", "blazediff/4b.png", 0.1, False, 20344),
    ("blazediff-fixtures", "blazediff/4a.png", "blazediff/4b.png", 0.01, False, 20375),
    ("blazediff-fixtures", "blazediff/4a.png", "blazediff/4b.png", 0, True, 27805),
    ("blazediff-fixtures", "alpha/1a.png", "alpha/1b.png", 0.1, False, 26),
    ("blazediff-fixtures", "alpha/1a.png", "alpha/1b.png", 0.1, True, 256),
    ("blazediff-fixtures", "alpha/1a.png", "alpha/1b.png", 0.01, False, 72),
    ("blazediff-fixtures", "alpha/1a.png", "alpha/1b.png", 0, True, 5348),
    ("blazediff-fixtures", "same/1a.png", "same/1b.png", 0, True, 0),
    ("resemble-fixtures", "ghost1.png", "ghost2.png", 0.01, False, 83),
    ("resemble-fixtures", "ghost1.png", "ghost2.png", 0.1, True, 131),
    ("resemble-fixtures", "ghost1.png", "ghost2.png", 0, True, 170),
    ("resemble-fixtures", "text.png", "textAa.png", 0.01, False, 1507),
    ("resemble-fixtures", "text.png", "textAa.png", 0.1, False, 323),
    ("resemble-fixtures", "text.png", "textAa.png", 0.1, True, 2707),
    ("resemble-fixtures", "text.png", "textAa.png", 0, True, 6600),
    ("resemble-fixtures", "square1.png", "square2.png", 0.01, False, 161950),
    ("resemble-fixtures", "square1.png", "square2.png", 0.1, False, 0),
    ("jest-image-snapshot-fixtures", "TestImage.png", "TestImageFailure.png", 0.01, False, 8625),
    ("jest-image-snapshot-fixtures", "TestImage.png", "TestImageFailure.png", 0, True, 10000),
    ("jest-image-snapshot-fixtures", "TestImage.png", "TestImageUpdate1pxOff.png", 0, True, 294),
    ("jest-image-snapshot-fixtures", "Desktop_1_082.png", "Desktop_1_083.png", 0.1, False, 42921),
    ("jest-image-snapshot-fixtures", "Desktop_1_082.png", "Desktop_1_083.png", 0, True, 169035),
    ("pixelmatch-fixtures", "inputs/4a.png", "inputs/4b.png", 0.1, True, 10002),
    ("pixelmatch-fixtures", "inputs/7a.png", "inputs/7b.png", 0.05, False, 3016),
    ("pixelmatch-fixtures", "inputs/2a.png", "inputs/2b.png", 0.1, False, 9730),
    ("pixelmatch-fixtures", "inputs/4a.png", "inputs/4b.png", 0.1, False, 6889),
]


@pytest.mark.parametrize(("folder", "a", "b", "threshold", "include_aa", "count"), MEASURED,
                         ids=[f"{m[1]}-{m[3]}-{'aa' if m[4] else 'noaa'}" for m in MEASURED])
def test_counts_measured_on_other_fixtures(folder, a, b, threshold, include_aa, count) -> None:  # noqa: ANN001
    root = require_data(folder)
    d = spotdiff.compare(root / a, root / b, method="pixel", threshold=threshold,
                         include_aa=include_aa)
    assert d.changed_pixels == count


def test_cli_diff_image_is_pixelmatchs_picture(tmp_path):
    inputs = require_data("pixelmatch-fixtures", "inputs")
    expected = require_data("pixelmatch-fixtures", "expected-diff-v7.2.0-yiq", "1diff.png")
    out = tmp_path / "diff.png"
    code = main(["compare", str(inputs / "1a.png"), str(inputs / "1b.png"), "--method", "pixel",
                 "--threshold", "0.05", "--diff-image", str(out)],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 1
    np.testing.assert_array_equal(load_image(out).pixels, load_image(expected).pixels)
