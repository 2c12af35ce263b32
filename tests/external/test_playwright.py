"""Playwright's labelled image_tools fixtures: the default decision gets all 21.

Every ``should-match`` pair (anti-aliasing, rendering artefacts, identical
images) must exit 0 and every ``should-fail`` pair (a caret, one red pixel,
equal-luminance colour changes, a near-white trap) must exit 1, with the
default options and no per-pair settings. Data: playwright-image-tools-fixtures
(Apache-2.0), read from SPOTDIFF_DATA.
"""

from __future__ import annotations

import io

import pytest

from shared_data import shared_data_dir
from spotdiff.cli import main

ROOT = shared_data_dir() / "playwright-image-tools-fixtures"
PAIRS = sorted(ROOT.glob("*/*/*-expected.png")) if ROOT.is_dir() else []


def test_suite_is_complete():
    if not ROOT.is_dir():
        pytest.skip(f"third-party test data not found at {ROOT} (set SPOTDIFF_DATA)")
    labels = [p.parts[-3] for p in PAIRS]
    assert labels.count("should-match") == 12 and labels.count("should-fail") == 9


@pytest.mark.parametrize(
    "expected",
    PAIRS or [pytest.param(None, marks=pytest.mark.skip(
        reason=f"third-party test data not found at {ROOT} (set SPOTDIFF_DATA)"))],
    ids=lambda p: "no-data" if p is None else
    f"{p.parts[-3]}/{p.parts[-2]}/{p.name.removesuffix('-expected.png')}")
def test_default_decision(expected):
    actual = expected.with_name(expected.name.replace("-expected.png", "-actual.png"))
    err = io.StringIO()
    code = main(["compare", str(expected), str(actual)], stdout=io.StringIO(), stderr=err)
    want = 1 if expected.parts[-3] == "should-fail" else 0
    assert code == want, err.getvalue()
