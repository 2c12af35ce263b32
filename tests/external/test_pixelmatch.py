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
from conftest import require_data
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
    before, after = _inputs("5a", "5b")
    d = spotdiff.compare(before, after, method="pixel", threshold=0.05,
                         method_options={"alpha_blend": "white"})
    assert d.changed_pixels == 0
