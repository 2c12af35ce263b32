"""The default model on the shared CDnet/Wallflower data (skipped when absent).

The issue's accuracy targets, asserted on the shared data: highway whole
(~11 s), the two short clips and WavingTrees. All models side by side, with
speed, come from benchmarks/bench_background.py.
"""

from __future__ import annotations

import pytest

from shared_data import require_data
from spotdiff.background import create, evaluate_sequence, find_sequences

pytestmark = pytest.mark.data


def _one(*parts):
    (seq,) = find_sequences(require_data(*parts))
    return seq


def test_finds_all_shared_sequences():
    seqs = find_sequences(require_data("cdnet2014"))
    names = [s.name for s in seqs]
    assert names == ["baseline/highway", "cameraJitter/traffic", "dynamicBackground/fall"]
    highway, traffic, fall = seqs
    assert highway.protocol == "full" and len(highway.truths) == 1700 - 470 + 1
    assert traffic.protocol == "half" and traffic.warmup == 51 and len(traffic.truths) == 50
    assert min(traffic.truths) == 51 and traffic.numbers[51] == 1001
    assert traffic.load_roi((240, 320)).shape == (240, 320)  # its ROI.bmp is 352x240


def test_wavingtrees_frame_247():
    seq = _one("wallflower", "WavingTrees")
    assert seq.numbers[-1] == 247 and list(seq.truths) == [247]
    result = evaluate_sequence(seq, create("consensus"))
    assert result.confusion.metrics()["f_measure"] > 0.96  # target 0.95; measured 0.975


@pytest.mark.slow
def test_traffic_short_clip():
    result = evaluate_sequence(_one("cdnet2014", "cameraJitter", "traffic"), create("consensus"))
    assert result.scored == 50
    # target 0.80; measured 0.848 (0.757 while masks stayed in the background's coordinates)
    assert result.confusion.metrics()["f_measure"] > 0.82


@pytest.mark.slow
def test_fall_short_clip():
    result = evaluate_sequence(_one("cdnet2014", "dynamicBackground", "fall"), create("consensus"))
    assert result.scored == 50
    assert result.confusion.metrics()["f_measure"] > 0.915  # target 0.90; measured 0.936


@pytest.mark.slow
def test_highway_whole_sequence():
    result = evaluate_sequence(_one("cdnet2014", "baseline", "highway"), create("consensus"))
    assert result.scored == 1700 - 469
    assert result.confusion.metrics()["f_measure"] > 0.95  # the target; measured 0.952


def test_cli_refuses_a_run_that_scores_no_frame():
    import io

    from spotdiff.cli import main

    highway = require_data("cdnet2014", "baseline", "highway")
    err = io.StringIO()
    code = main(["eval", "cdnet", str(highway), "--max-frames", "50"], stdout=io.StringIO(),
                stderr=err)
    assert code == 2
    assert "scoring starts at frame 470" in err.getvalue()
