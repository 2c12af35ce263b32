"""The labelled evaluation set, its scoring, and ``spotdiff eval pairs``."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from spotdiff.cli import main
from spotdiff.evalset import NO_OPTIONS, RECIPES, SPOTDIFF, make_pairs, score_case, summarise
from spotdiff.evalset.pairs import KINDS, LOSSY, UNCHANGED


def test_score_case_by_hand():
    truth = np.zeros((50, 50), bool)
    truth[10:20, 10:30] = True
    whole = truth.copy()
    s = score_case(truth, whole, [(10, 10, 30, 20)])
    assert (s.objects, s.found, s.detections, s.correct, s.iou) == (1, 1, 1, 1, 1.0)
    # two stripes: each is correct, but no single box covers the object
    stripes = truth.copy()
    stripes[14:16] = False
    s = score_case(truth, stripes, [(10, 10, 30, 14), (10, 16, 30, 20)])
    assert s.found == 0 and s.correct == 2
    # a false region far away
    far = np.zeros_like(truth)
    far[40:45, 40:45] = True
    s = score_case(truth, whole | far, [(10, 10, 30, 20), (40, 40, 45, 45)])
    assert s.correct == 1 and s.detections == 2
    # an unchanged pair: every region is false
    s = score_case(np.zeros_like(truth), far, [(40, 40, 45, 45)])
    assert s.false_regions_unchanged == 1 and s.iou is None
    r = summarise([score_case(truth, whole, [(10, 10, 30, 20)]), s])
    assert r["region_recall"] == 1.0 and r["regions_on_unchanged"] == 1
    assert r["region_precision"] == 0.5  # the region on the unchanged pair is wrong


def test_cases_are_deterministic_and_labelled():
    a = list(make_pairs(seed=3, photos=("chelsea",)))
    b = list(make_pairs(seed=3, photos=("chelsea",)))
    assert [c.name for c in a] == [c.name for c in b]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.after, y.after)
        assert x.before.shape == x.after.shape and x.mask.shape == x.before.shape[:2]
        changed = x.kind not in UNCHANGED
        assert x.mask.any() == changed
    tiny = next(c for c in a if c.kind == "tiny")
    assert tiny.mask.sum() == 64
    # a case depends on (seed, photo, kind) only, not on the other photos chosen
    full = {c.name: c for c in make_pairs(seed=3, photos=("astronaut", "chelsea"))}
    np.testing.assert_array_equal(full["chelsea/tiny"].after, tiny.after)
    assert [c.kind for c in a] == list(KINDS)


@pytest.mark.parametrize("photo", ["chelsea", "coffee"])  # one lossless, one JPEG photo
def test_spotdiff_finds_each_change_whole_and_nothing_else(photo):
    assert (photo in LOSSY) == (photo == "coffee")
    scores = []
    # the kinds the tuned row was made for (its lighting model has no gamma)
    for case in make_pairs(photos=(photo,), kinds=KINDS[:10]):
        mask, boxes = RECIPES[SPOTDIFF](case.before, case.after)
        scores.append(score_case(case.mask, mask, boxes))
    r = summarise(scores)
    assert r["regions_on_unchanged"] == 0
    assert r["region_recall"] >= 0.85 and r["region_precision"] >= 0.9
    assert r["mean_mask_iou"] >= 0.75


def test_seed_recipes_fail_where_spotdiff_does_not():
    cases = {c.kind: c for c in make_pairs(photos=("coffee",))}
    jpeg = cases["jpeg-only"]
    _, ssim_boxes = RECIPES["ssim+otsu+contours>40"](jpeg.before, jpeg.after)
    assert len(ssim_boxes) > 0  # JPEG noise makes false regions for the SSIM recipe
    recol = cases["recolored"]  # equal luminance: grayscale absdiff sees nothing
    mask, _ = RECIPES["absdiff+threshold 25+erode"](recol.before, recol.after)
    assert (mask & recol.mask).sum() < 0.2 * recol.mask.sum()


def test_cli_eval_pairs_json():
    out, err = io.StringIO(), io.StringIO()
    code = main(["eval", "pairs", "--photos", "chelsea", "--json", "--no-inspection"],
                stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    d = json.loads(out.getvalue())
    assert d["cases"] == len(KINDS) and set(d["detectors"]) == set(RECIPES)
    assert list(d["detectors"])[0] == NO_OPTIONS  # the no-options row leads
    # with no options the global changes (light, exposure, gamma...) are explained
    # first: no region on a pair without a local change
    assert d["detectors"][NO_OPTIONS]["regions_on_unchanged"] == 0


def test_cli_eval_pairs_bad_photo():
    err = io.StringIO()
    assert main(["eval", "pairs", "--photos", "lena"], stdout=io.StringIO(), stderr=err) == 2
    assert "--photos" in err.getvalue() and "astronaut" in err.getvalue()
