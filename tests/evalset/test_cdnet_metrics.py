"""CDnet confusion counts and metrics against hand-computed matrices."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spotdiff.background import Confusion, confusion


def test_labels_50_negative_85_170_ignored_255_positive():
    truth = np.array([[0, 50, 85, 170, 255, 255]], np.uint8)
    mask = np.array([[1, 1, 1, 1, 1, 0]], bool)
    c = confusion(mask, truth)
    # 0 and 50 detected -> 2 FP; 85, 170 not scored; 255 detected -> TP, missed -> FN
    assert (c.tp, c.fp, c.fn, c.tn) == (1, 2, 1, 0)


def test_roi_excludes_pixels():
    truth = np.array([[0, 0, 255, 255]], np.uint8)
    mask = np.array([[1, 0, 1, 0]], bool)
    roi = np.array([[False, True, True, False]])
    c = confusion(mask, truth, roi)
    assert (c.tp, c.fp, c.fn, c.tn) == (1, 0, 0, 1)


def test_metrics_of_a_hand_computed_matrix():
    # TP 30, FP 10, FN 20, TN 940 (1000 pixels)
    m = Confusion(tp=30, fp=10, fn=20, tn=940).metrics()
    assert m["recall"] == pytest.approx(30 / 50)
    assert m["precision"] == pytest.approx(30 / 40)
    assert m["specificity"] == pytest.approx(940 / 950)
    assert m["fpr"] == pytest.approx(10 / 950)
    assert m["fnr"] == pytest.approx(20 / 50)
    assert m["pwc"] == pytest.approx(100 * 30 / 1000)
    assert m["f_measure"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_counts_sum_over_frames_and_match_a_direct_count():
    rng = np.random.default_rng(3)
    truth = rng.choice(np.array([0, 50, 85, 170, 255], np.uint8), size=(2, 40, 50))
    mask = rng.random((2, 40, 50)) < 0.3
    total = confusion(mask[0], truth[0]) + confusion(mask[1], truth[1])
    pos, neg = truth == 255, (truth == 0) | (truth == 50)
    assert total.tp == np.sum(mask & pos) and total.fn == np.sum(~mask & pos)
    assert total.fp == np.sum(mask & neg) and total.tn == np.sum(~mask & neg)


def test_undefined_ratios_are_nan():
    m = Confusion(tp=0, fp=0, fn=0, tn=10).metrics()
    assert math.isnan(m["recall"]) and math.isnan(m["precision"]) and math.isnan(m["f_measure"])
    assert m["pwc"] == 0 and m["specificity"] == 1


def test_shape_mismatch_is_an_input_error():
    from spotdiff.errors import InputError

    with pytest.raises(InputError, match="shape"):
        confusion(np.zeros((3, 3), bool), np.zeros((3, 4), np.uint8))


def test_f_measure_agrees_with_scikit_learn_style_definition():
    # independent: F1 from precision/recall of flattened scored pixels (scikit-image free)
    rng = np.random.default_rng(0)
    truth = rng.choice(np.array([0, 255, 170], np.uint8), size=(30, 30))
    mask = rng.random((30, 30)) < 0.5
    scored = truth != 170
    y, p = truth[scored] == 255, mask[scored]
    f1 = 2 * np.sum(y & p) / (np.sum(y) + np.sum(p))
    assert confusion(mask, truth).metrics()["f_measure"] == pytest.approx(f1)
