"""CompareOptions: one frozen, validated value; the same results as keywords."""

from __future__ import annotations

import json
import pickle
from dataclasses import FrozenInstanceError, fields

import numpy as np
import pytest

import spotdiff
from spotdiff import CompareOptions
from spotdiff.cli import build_parser
from spotdiff.errors import InputError

KEYWORDS = dict(method="color", min_area=3, merge_gap=2, ignore=[(0, 0, 10, 10)],
                ignore_polygons=[np.array([[100, 10], [140, 10], [120, 40]])],
                max_changed_pixels=5)


def test_options_and_keywords_give_equal_results(scene):
    after = scene.copy()
    after[60:80, 20:50] = (250, 10, 10)
    by_keywords = spotdiff.compare(scene, after, **KEYWORDS)
    by_options = spotdiff.compare(scene, after, options=CompareOptions(**KEYWORDS))
    assert by_keywords.to_dict() == by_options.to_dict()
    assert np.array_equal(by_keywords.mask, by_options.mask)
    assert by_keywords.changed_pixels == 600 and by_keywords.options["min_area"] == 3
    # keywords override the options given
    overridden = spotdiff.compare(scene, after, options=CompareOptions(**KEYWORDS), min_area=900)
    assert overridden.options["min_area"] == 900 and not overridden.different


def test_options_pickle_and_record_as_json():
    opts = CompareOptions(**KEYWORDS, ignore_mask="mask.png", method_options={"x": 1})
    assert pickle.loads(pickle.dumps(opts)) == opts
    record = json.loads(json.dumps(opts.to_dict()))
    assert record["ignore"] == [[0, 0, 10, 10]] and record["ignore_polygons"] == 1
    assert record["ignore_mask"] == "mask.png" and record["min_area"] == 3
    assert record["blur"] is None  # automatic: chosen when the pair is read
    with pytest.raises(FrozenInstanceError):
        opts.method = "ssim"  # type: ignore[misc]
    assert opts.replace(method="ssim").method == "ssim" and opts.method == "color"


@pytest.mark.parametrize(("change", "name"), [
    ({"method": "magic"}, "method"),
    ({"size": "stretch"}, "size"),
    ({"align": "wobble"}, "align"),
    ({"align": "auto", "size": "pad"}, "size with align"),
    ({"threshold": -1}, "threshold"),
    ({"threshold": "high"}, "threshold"),
    ({"min_area": "many"}, "min_area"),
    ({"close": -3}, "close"),
    ({"max_changed_fraction": 2}, "max_changed_fraction"),
    ({"ignore": [(1, 2, 3)]}, "ignore box"),
    ({"ignore_polygons": [[(0, 0), (1, 1)]]}, "ignore polygon"),
    ({"method": "pixel", "method_options": {"variant": "blink"}}, "variant"),
])
def test_a_bad_option_is_named_not_a_flag(change, name):
    with pytest.raises(InputError) as info:
        CompareOptions(**change)
    assert str(info.value).startswith(f"{name}: expected") and "--" not in str(info.value)
    with pytest.raises(InputError, match=f"^{name}: expected"):
        spotdiff.compare(np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8), **change)


def test_size_dependent_options_are_checked_against_the_image(scene):
    with pytest.raises(InputError, match="^close: expected a number between 0 and 160"):
        spotdiff.compare(scene, scene, close=500)
    with pytest.raises(InputError, match="^ignore box: expected 0 <= x0 < x1 <= 160"):
        spotdiff.compare(scene, scene, ignore=[(0, 0, 200, 10)])
    with pytest.raises(TypeError, match="unknown compare option"):
        CompareOptions().replace(min_aera=3)


def test_every_option_but_the_library_ones_has_its_flag():
    # the command line builds the options from flags named after them: a new
    # option needs its flag and nothing else
    actions = build_parser()._subparsers._group_actions[0].choices["compare"]._actions
    dests = {a.dest for a in actions}
    library_only = {"data_range", "polygons", "method_options"}
    assert {f.name for f in fields(CompareOptions)} - dests == library_only


def test_the_lists_of_choices_are_the_stages_own():
    from spotdiff.geometry.align import ALIGN_MODELS
    from spotdiff.metrics.pixel import ALPHA_BLENDS, VARIANTS
    from spotdiff.options import ALIGN_MODELS as OPT_ALIGN
    from spotdiff.options import ALPHA_BLENDS as OPT_BLENDS
    from spotdiff.options import PIXEL_VARIANTS

    assert OPT_ALIGN == ALIGN_MODELS and OPT_BLENDS == ALPHA_BLENDS
    assert PIXEL_VARIANTS == VARIANTS
