"""``spotdiff batch``: states, exit codes, summary.json, equality with
``spotdiff compare``, --jobs, --resume, Ctrl-C, JUnit, bad input."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import spotdiff
from spotdiff.batch.item import item_id
from spotdiff.cli import main

from .batch_helpers import page, run_cli, save


def load(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def states(summary: dict) -> dict[str, str]:
    return {r["name"]: r["status"] for r in summary["items"]}


def test_states_exit_code_and_summary(folders):
    code, _, err = run_cli("batch", folders.base, folders.cur, "-o", folders.out, "--jobs", "1")
    assert code == 1
    summary = load(folders.out)
    assert summary["schema"] == "spotdiff.batch/1" and summary["complete"] is True
    assert states(summary) == {"gone.png": "deleted", "new.png": "new",
                               "pages/changed.png": "changed", "same.png": "unchanged"}
    totals = summary["totals"]
    assert (totals["items"], totals["done"], totals["changed"], totals["new"],
            totals["deleted"], totals["unchanged"], totals["error"]) == (4, 4, 1, 1, 1, 1, 0)
    assert "1 changed, 1 new, 1 deleted, 1 unchanged, 0 error(s)" in err
    changed = next(r for r in summary["items"] if r["status"] == "changed")
    assert changed["compare"]["region_count"] == 2
    # every artefact named in the summary exists, relative to OUT, inside items/<id>/
    for record in summary["items"]:
        if record["status"] != "unchanged":
            assert record["files"]["thumb"] == f"items/{item_id(record['name'])}/thumb.jpg"
        for rel in record["files"].values():
            assert (folders.out / rel).is_file()
    assert set(changed["files"]) == {"thumb", "before", "after", "heatmap", "mask"}
    # byte-identical files are never decoded: CURRENT's copy, no thumbnail
    same = next(r for r in summary["items"] if r["status"] == "unchanged")
    assert same["compare"]["identical"] is True and set(same["files"]) == {"after"}
    assert (folders.out / "index.html").is_file() and (folders.out / "report-data.js").is_file()


def test_every_decision_is_spotdiff_compare_s(folders):
    run_cli("batch", folders.base, folders.cur, "-o", folders.out, "--jobs", "1",
            "--method", "absdiff", "--threshold", "10")
    for record in load(folders.out)["items"]:
        if record["compare"] is None:
            continue
        direct = spotdiff.compare(record["before"], record["after"], method="absdiff",
                                  threshold=10).to_dict()
        assert record["compare"] == direct


def test_nothing_changed_exits_0(tmp_path):
    for root in ("a", "b"):
        save(tmp_path / root / "x.png", page(1))
        save(tmp_path / root / "deep" / "y.png", page(2))
    code, _, err = run_cli("batch", tmp_path / "a", tmp_path / "b", "-o", tmp_path / "out")
    assert code == 0, err
    assert load(tmp_path / "out")["totals"]["unchanged"] == 2


def test_an_item_that_errors_gives_exit_2_the_count_and_a_report_showing_it(broken):
    code, _, err = run_cli("batch", broken.base, broken.cur, "-o", broken.out, "--jobs", "1")
    assert code == 2
    assert "1 error(s)" in err and "1 item(s) could not be compared" in err
    assert "broken.png" in err and "Traceback" not in err
    summary = load(broken.out)
    assert summary["exit_code"] == 2
    record = next(r for r in summary["items"] if r["name"] == "broken.png")
    assert record["status"] == "error" and "expected a PNG" in record["error"]
    # the other items are still compared and in the report's data
    assert states(summary)["pages/changed.png"] == "changed"
    data = (broken.out / "report-data.js").read_text()
    assert '"status":"error"' in data and "broken.png" in data


def test_processes_give_the_same_summary_as_one_process(broken, tmp_path):
    run_cli("batch", broken.base, broken.cur, "-o", tmp_path / "one", "--jobs", "1")
    code, _, _ = run_cli("batch", broken.base, broken.cur, "-o", tmp_path / "two", "--jobs", "2")
    assert code == 2

    def comparable(summary: dict) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in summary["items"]]

    assert comparable(load(tmp_path / "one")) == comparable(load(tmp_path / "two"))


def test_pairs_file_csv_and_json_lines(folders, tmp_path):
    csv = tmp_path / "pairs.csv"
    csv.write_text(f"before,after,name\n{folders.base / 'pages/changed.png'},"
                   f"{folders.cur / 'pages/changed.png'},checkout\n"
                   f"{folders.base / 'same.png'},{folders.cur / 'same.png'},home\n")
    code, _, _ = run_cli("batch", "--pairs", csv, "-o", tmp_path / "o1", "--jobs", "1")
    assert code == 1
    assert states(load(tmp_path / "o1")) == {"checkout": "changed", "home": "unchanged"}
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text(json.dumps({"before": "baseline/same.png", "after": "current/same.png"})
                     + "\n")
    code, _, err = run_cli("batch", "--pairs", jsonl, "-o", tmp_path / "o2")
    assert code == 0, err
    assert states(load(tmp_path / "o2")) == {"current/same.png": "unchanged"}


def test_resume_keeps_done_items_and_redoes_errors(broken):
    run_cli("batch", broken.base, broken.cur, "-o", broken.out, "--jobs", "1")
    first = {r["name"]: r for r in load(broken.out)["items"]}
    record = broken.out / "items" / item_id("same.png") / "record.json"
    stamp = record.stat().st_mtime_ns
    save(broken.base / "broken.png", page(5))  # the broken baseline is fixed
    code, _, err = run_cli("batch", broken.base, broken.cur, "-o", broken.out, "--resume",
                           "--jobs", "1")
    assert code == 1 and "(reused 4)" in err
    summary = load(broken.out)
    assert summary["totals"]["reused"] == 4 and states(summary)["broken.png"] == "unchanged"
    assert record.stat().st_mtime_ns == stamp  # not compared again
    assert next(r for r in summary["items"] if r["name"] == "same.png") == first["same.png"]
    # a file rewritten since: that item (only) is compared again
    save(broken.cur / "same.png", page(9))
    code, _, err = run_cli("batch", broken.base, broken.cur, "-o", broken.out, "--resume",
                           "--jobs", "1")
    assert "(reused 4)" in err and states(load(broken.out))["same.png"] == "changed"
    # other options: nothing reused
    code, _, err = run_cli("batch", broken.base, broken.cur, "-o", broken.out, "--resume",
                           "--jobs", "1", "--min-area", "5")
    assert "reused" not in err and record.stat().st_mtime_ns != stamp


def test_a_run_again_replaces_each_item_whole(folders):
    """An item's folder is written beside its place and renamed in whole: a
    second run into the same OUT leaves none of the first run's pictures of
    an item that changed state, and no folder being written behind."""
    run_cli("batch", folders.base, folders.cur, "-o", folders.out, "--jobs", "1")
    item = folders.out / "items" / item_id("pages/changed.png")
    assert {"heatmap.jpg", "mask.png", "before.png", "record.json"} <= {
        p.name for p in item.iterdir()}
    save(folders.cur / "pages" / "changed.png", page(2))  # now equal to its baseline
    code, _, err = run_cli("batch", folders.base, folders.cur, "-o", folders.out, "--jobs", "2")
    assert code == 1, err  # new and deleted remain
    record = json.loads((item / "record.json").read_text())
    assert record["status"] == "unchanged"
    assert sorted(p.name for p in item.iterdir()) == sorted(
        ["record.json"] + [Path(f).name for f in record["files"].values()])
    assert "heatmap.jpg" not in {p.name for p in item.iterdir()}
    assert not [p for p in (folders.out / "items").iterdir() if p.name.startswith(".")]


def test_junit(broken, tmp_path):
    junit = tmp_path / "ci" / "junit.xml"
    run_cli("batch", broken.base, broken.cur, "-o", broken.out, "--jobs", "1", "--junit", junit)
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "3", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["broken.png"].find("error") is not None
    assert cases["same.png"].find("failure") is None
    assert "changed: DIFFERENT" in cases["pages/changed.png"].find("failure").get("message")


@pytest.mark.parametrize(("argv", "needle"), [
    (["batch", "-o", "x"], "BASELINE CURRENT (two folders) or --pairs FILE"),
    (["batch", "nope-a", "nope-b", "-o", "x"], "BASELINE: expected a folder of images"),
    (["batch", "{base}", "{cur}", "-o", "x", "--threshold", "-1"], "expected a number"),
    (["batch", "{base}", "{cur}", "-o", "x", "--method", "bogus"], "method: expected one of"),
])
def test_bad_input_is_one_line_and_exit_2(folders, argv, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [a.format(base=folders.base, cur=folders.cur) for a in argv]
    code, _, err = run_cli(*argv)
    assert code == 2 and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x" / "summary.json").exists()


def test_missing_ray_extra_names_it(folders, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    code, _, err = run_cli("batch", folders.base, folders.cur, "-o", folders.out,
                           "--executor", "ray", "--ray-address", "auto")
    assert code == 2
    assert err.strip().endswith("pip install 'spotdiff[ray]'") and err.count("\n") == 1


def test_ctrl_c_leaves_a_valid_partial_report(tmp_path):
    base, cur = tmp_path / "a", tmp_path / "b"
    for i in range(60):
        save(base / f"p{i:03}.png", page(i, 600, 800))
        save(cur / f"p{i:03}.png", page(i + 1, 600, 800))
    out = tmp_path / "out"
    env = {**os.environ, "CI": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "spotdiff", "batch", str(base), str(cur),
                             "-o", str(out), "--jobs", "1"], stderr=subprocess.PIPE, text=True,
                            env=env)
    deadline = time.monotonic() + 60
    while not list((out / "items").glob("*/record.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err
    summary = load(out)
    assert summary["complete"] is False and summary["exit_code"] == 2
    assert 0 < summary["totals"]["done"] < 60 == summary["totals"]["items"]
    assert (out / "index.html").is_file()
    # and --resume finishes it, reusing what was done
    code, _, err = run_cli("batch", base, cur, "-o", out, "--resume", "--jobs", "2")
    assert code == 1 and f"(reused {summary['totals']['done']})" in err
    assert load(out)["complete"] is True


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("tty", "ci", "shown"), [
    (True, None, True), (True, "1", False), (False, None, False)])
def test_progress_bar_only_on_a_terminal_outside_ci(folders, monkeypatch, tty, ci, shown):
    pytest.importorskip("tqdm", reason="tqdm is not installed (pip install 'spotdiff[progress]')")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    err = _Terminal() if tty else io.StringIO()
    code = main(["batch", str(folders.base), str(folders.cur), "-o", str(folders.out),
                 "--jobs", "1"], stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert ("4/4" in err.getvalue()) is shown


def test_shards_merged_equal_one_run(broken, tmp_path):
    run_cli("batch", broken.base, broken.cur, "-o", tmp_path / "whole", "--jobs", "1")
    for i in (1, 2):
        code, _, _ = run_cli("batch", broken.base, broken.cur, "-o", tmp_path / f"s{i}",
                             "--shard", f"{i}/2", "--jobs", "1")
        assert load(tmp_path / f"s{i}")["totals"]["items"] < 5
    code, _, err = run_cli("report", "merge", tmp_path / "s1", tmp_path / "s2",
                           "-o", tmp_path / "merged")
    assert code == 2 and "5 of 5 items merged from 2 runs" in err
    merged, whole = load(tmp_path / "merged"), load(tmp_path / "whole")

    def comparable(summary: dict) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "seconds"} for r in summary["items"]]

    assert comparable(merged) == comparable(whole)
    assert {k: v for k, v in merged["totals"].items()} == whole["totals"]
    for record in merged["items"]:
        for rel in record["files"].values():
            assert (tmp_path / "merged" / rel).is_file()
    # merging a shard twice is refused
    code, _, err = run_cli("report", "merge", tmp_path / "s1", tmp_path / "s1",
                           "-o", tmp_path / "bad")
    assert code == 2 and "in two of them" in err
    code, _, err = run_cli("batch", broken.base, broken.cur, "-o", tmp_path / "x",
                           "--shard", "3/2")
    assert code == 2 and "1 <= I <= N" in err


def test_ray_address_needs_the_ray_executor(folders):
    code, _, err = run_cli("batch", folders.base, folders.cur, "-o", folders.out,
                           "--ray-address", "auto")
    assert code == 2 and "--ray-address: expected --executor ray" in err
