"""The bounded fuzz run: a few hundred hostile inputs, zero broken promises.

Each case runs ``python -m spotdiff`` (or a library snippet) in a child
process and checks exit code, stderr, strict JSON, peak memory and what is
left in the output folder (see ``harness.py``). The long run is
``python -m tests.fuzz --cases 2000`` (see ``run.py``).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from . import cases, corpus, harness, known, mutate
from .run import report

MUTANTS = 270
SEED = 12


def test_bounded_fuzz_run_breaks_no_promise(tmp_path: Path) -> None:
    shared = tmp_path / "_shared"
    shared.mkdir()
    todo = cases.all_cases(MUTANTS, SEED, shared, signals=3, concurrent=2)
    results = cases.run_cases(todo, tmp_path, workers=2)
    # Known source bugs (known.py, each reproduced below as a strict xfail)
    # are tolerated here until fixed; anything else fails the test.
    broken = [(c, v) for c, v in results
              if v.broken and not known.tolerated(f"{c.kind}/{c.label}", v)]
    assert not broken, report(broken, 0.0)
    assert len(results) >= 300


def _reproduce(issue: known.Known, tmp_path: Path) -> list[str]:
    """Run a reproduction (``repeat`` times at once): the promises it broke."""
    assert issue.files is not None
    files = issue.files()
    folders = [tmp_path / str(i) for i in range(issue.repeat)]
    for folder in folders:
        folder.mkdir()
    with ThreadPoolExecutor(2) as pool:
        verdicts = list(pool.map(lambda d: cases._cli_case(d, files, list(issue.args)), folders))
    return [m for v in verdicts for m in v.broken]


@pytest.mark.parametrize("issue", known.REGRESSIONS, ids=lambda k: k.name)
def test_fixed_broken_promises_stay_fixed(issue: known.Known, tmp_path: Path) -> None:
    broken = _reproduce(issue, tmp_path)
    assert not broken, broken


OPEN = [k for k in known.KNOWN if k.files is not None]


@pytest.mark.skipif(not OPEN, reason="no broken promise is known to be open")
@pytest.mark.parametrize("issue", OPEN or [None], ids=lambda k: getattr(k, "name", "none"))
@pytest.mark.xfail(strict=True, reason="a broken promise in the source (see known.py); "
                   "when this passes, move the entry to known.REGRESSIONS")
def test_known_broken_promise_is_fixed(issue: known.Known, tmp_path: Path) -> None:
    broken = _reproduce(issue, tmp_path)
    assert not broken, broken


def test_only_known_broken_promises_are_tolerated(monkeypatch) -> None:
    monkeypatch.setattr(known, "KNOWN", known.REGRESSIONS)  # as if they were still open
    crash = harness.Verdict("refused", ["internal error / traceback: 'spotdiff: internal error: "
                                        "IndexError: tuple index out of range'"])
    assert known.tolerated("jpeg/bit_flips", crash)
    crash.broken.append("hidden files left behind: ['.out.tmp']")
    assert not known.tolerated("jpeg/bit_flips", crash)
    heavy = harness.Verdict("refused", ["peak RSS 628 MB > 200 MB on a refused input"])
    assert known.tolerated("tiff/tiff_ifd_size", heavy)
    monkeypatch.setattr(known, "KNOWN", [])
    assert not known.tolerated("tiff/tiff_ifd_size", heavy)


# --- the harness itself: each check can fail --------------------------------

def _fake(code: int | None, stdout: str = "", stderr: str = "", rss: float = 50) -> harness.Run:
    return harness.Run(["spotdiff"], code, stdout, stderr, rss, 0.1)


@pytest.mark.parametrize(("run", "expect", "message"), [
    (_fake(None), "any", "no answer"),
    (_fake(2, stderr="Traceback (most recent call last):\n  ...\n"), "any", "exactly one"),
    (_fake(2, stderr="spotdiff: error: internal error: boom\n"), "any", "internal error"),
    (_fake(2, stderr="PNG warning: IDAT\nspotdiff: error: x\n"), "any", "exactly one"),
    (_fake(2, stderr="spotdiff: error: x\n", rss=900), "any", "peak RSS"),
    (_fake(1, stdout='{"score": NaN}'), "any", "strict JSON"),
    (_fake(0, stdout="{}", stderr="Corrupt JPEG data\n"), "any", "stderr not empty"),
    (_fake(0, stdout="{}"), "refuse", "must be refused"),
    (_fake(1, stdout="{}", rss=700), "any", "peak RSS"),
    (_fake(-11), "any", "exit code -11"),
])
def test_judge_reports_each_broken_promise(run: harness.Run, expect: str, message: str) -> None:
    v = harness.judge(run, expect=expect)
    assert any(message in m for m in v.broken), v.broken


def test_judge_accepts_a_kept_promise() -> None:
    assert harness.judge(_fake(2, stderr="spotdiff: error: a: expected b, got c\n")).broken == []
    assert harness.judge(_fake(1, stdout='{"score": 0.5}')).broken == []


def test_output_folder_must_hold_all_or_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mask.png").write_bytes(b"x")
    assert harness.check_output_dir(out, None)
    assert harness.check_output_dir(out, harness.OUTPUT_SET)
    (tmp_path / ".tmp-spotdiff").mkdir()
    assert harness.hidden_leftovers(tmp_path) == [".tmp-spotdiff"]


def test_peak_memory_is_the_childs_own(tmp_path: Path) -> None:
    small = harness.run([sys.executable, "-c", "pass"], tmp_path)
    big = harness.run([sys.executable, "-c", "b = bytearray(300 << 20)"], tmp_path)
    assert small.rss_mb < 100 < 300 < big.rss_mb


def test_a_hang_is_killed_and_reported(tmp_path: Path) -> None:
    r = harness.run([sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, timeout=1)
    assert r.code is None
    assert harness.judge(r).outcome == "hang"


# --- the corpus and the mutations ---------------------------------------------

def test_seeds_are_valid_images_of_every_format() -> None:
    seeds = corpus.seeds()
    assert {s.fmt for s in seeds} == {"png", "jpeg", "tiff", "webp", "bmp"}
    for s in seeds:
        img = cv2.imdecode(np.frombuffer(s.data, np.uint8), cv2.IMREAD_UNCHANGED)
        assert img is not None and img.shape[:2] == (corpus.HEIGHT, corpus.WIDTH), s.name


def test_header_mutations_change_the_claimed_size() -> None:
    rng = np.random.default_rng(0)
    by_name = {s.name: s for s in corpus.seeds()}
    png = mutate.png_ihdr_size(by_name["png-rgb"].data, "png", rng)
    assert png[16:24] != by_name["png-rgb"].data[16:24]
    jpeg = mutate.jpeg_sof_size(by_name["jpeg-baseline"].data, "jpeg", rng)
    assert jpeg != by_name["jpeg-baseline"].data
    closed = mutate.truncate_close(by_name["jpeg-gray"].data, "jpeg", rng)
    assert closed.endswith(mutate.JPEG_EOI) and len(closed) < len(by_name["jpeg-gray"].data)


def test_bomb_files_are_tiny_but_decode_to_their_claimed_size() -> None:
    data = cases.zero_png(3000, 2000, 2)
    assert len(data) < 50_000
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img.shape == (2000, 3000, 3) and not img.any()
