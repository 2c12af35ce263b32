"""The image_snapshot plugin end to end, in test runs made by ``pytester``:
the first run writes the baseline and fails, the second passes, a change
fails with the compare's line and its pictures, JPEG noise passes, the
update modes write what they say, CI writes nothing, unused baselines are
reported and pruned only when asked, ``spotdiff approve`` accepts a run's
failures, and two xdist workers give the same outcome and one report."""

from __future__ import annotations

import io
import os
import re

import pytest

from spotdiff.cli import main
from spotdiff.summary import verdict_line

from .snapshot_helpers import MODULE, baselines, outcomes, report_summary, snapshots

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def not_ci(monkeypatch):
    """Every run starts outside CI, without changes (the suite itself may run in CI)."""
    for name in ("CI", "SNAP_CHANGED", "SNAP_JPEG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(pytester):
    pytester.makepyfile(test_ui=MODULE)
    return pytester


def spotdiff(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_first_run_writes_the_baselines_and_fails_then_the_second_passes(project):
    first = project.runpytest()
    assert outcomes(first) == {"failed": 3}
    first.stdout.fnmatch_lines([
        "*image snapshot 'home.png' had no baseline: written to __snapshots__/test_ui/home.png",
        "*3 baseline(s) written (new):*"])
    assert set(baselines(project.path)) == {"home", "menu", "footer"}
    second = project.runpytest()
    assert outcomes(second) == {"passed": 3}
    assert "image snapshots" not in second.stdout.str()  # nothing to say
    assert not (project.path / "snapshot-report" / "items").exists()  # the old report went


def test_a_change_fails_with_the_compare_line_and_its_pictures(project, monkeypatch):
    project.runpytest()
    before = baselines(project.path)
    monkeypatch.setenv("SNAP_CHANGED", "home")
    result = project.runpytest()
    assert outcomes(result) == {"passed": 2, "failed": 1}
    text = result.stdout.str()
    assert "image snapshot 'home.png' differs from its baseline (test_ui.py::test_home)" in text
    report = project.path / "snapshot-report"
    paths = dict(re.findall(r"E\s+(expected|actual|diff|report): +(\S+)", text))
    assert paths["expected"] == "__snapshots__/test_ui/home.png"
    for key in ("actual", "diff", "report"):
        assert (project.path / paths[key]).is_file(), key
    assert (report / "items").is_dir() and (report / "index.html").is_file()
    assert baselines(project.path) == before  # a change is never written by default
    # the report is the batch report, one item whose target is the baseline
    summary = report_summary(project.path)
    assert summary["schema"].startswith("spotdiff.batch/")
    [item] = summary["items"]
    assert item["status"] == "changed" and item["name"] == "__snapshots__/test_ui/home.png"
    assert item["target"] == str(project.path / paths["expected"])
    # the numbers are the library's: spotdiff compare on the same files prints the same line
    code, _, err = spotdiff("compare", paths["expected"], paths["actual"])
    assert code == 1
    assert err.splitlines()[0] == verdict_line(item["compare"])
    assert f"E         {err.splitlines()[0]}" in text
    assert item["compare"]["region_count"] == 1 and item["compare"]["regions"][0]["bbox"] == [
        112, 32, 129, 49]


def test_spotdiff_approve_accepts_the_last_runs_failures(project, monkeypatch):
    project.runpytest()
    monkeypatch.setenv("SNAP_CHANGED", "home,footer")
    assert outcomes(project.runpytest()) == {"passed": 1, "failed": 2}
    code, out, err = spotdiff("approve", project.path / "snapshot-report", "--all")
    assert code == 0, err
    assert "2 image(s) approved" in err and out.count("approved ") == 2
    assert outcomes(project.runpytest()) == {"passed": 3}  # without running anything else


def test_jpeg_reencoding_of_the_same_image_passes_with_the_default(project, monkeypatch):
    project.runpytest()
    before = baselines(project.path)
    monkeypatch.setenv("SNAP_JPEG", "home,menu,footer")
    assert outcomes(project.runpytest()) == {"passed": 3}
    assert baselines(project.path) == before
    # and a real change in JPEG bytes still fails
    monkeypatch.setenv("SNAP_CHANGED", "menu")
    result = project.runpytest()
    assert outcomes(result) == {"passed": 2, "failed": 1}
    result.stdout.fnmatch_lines(["*image snapshot 'menu.png' differs from its baseline*"])


def test_update_changed_writes_only_the_failing_ones(project, monkeypatch):
    project.runpytest()
    before = baselines(project.path)
    mtimes = {p.name: p.stat().st_mtime_ns for p in snapshots(project.path).iterdir()}
    monkeypatch.setenv("SNAP_CHANGED", "home")
    monkeypatch.setenv("SNAP_JPEG", "footer")  # noise, not a change: left alone
    result = project.runpytest("--snapshot-update=changed")
    assert outcomes(result) == {"passed": 3}
    result.stdout.fnmatch_lines(["*1 baseline(s) updated (changed):*",
                                 "*__snapshots__/test_ui/home.png"])
    after = baselines(project.path)
    assert after["home"] != before["home"]
    assert {k: after[k] for k in ("menu", "footer")} == {k: before[k] for k in ("menu", "footer")}
    assert {p.name: p.stat().st_mtime_ns for p in snapshots(project.path).iterdir()
            if p.name != "home.png"} == {k: v for k, v in mtimes.items() if k != "home.png"}
    assert outcomes(project.runpytest()) == {"passed": 3}  # the new baseline holds
    # 'all' rewrites the noisy one too; 'none' and 'missing' write no change
    monkeypatch.setenv("SNAP_CHANGED", "home,menu")  # home's baseline has the change now
    assert outcomes(project.runpytest("--snapshot-update=missing")) == {"passed": 2, "failed": 1}
    assert outcomes(project.runpytest("--snapshot-update=none")) == {"passed": 2, "failed": 1}
    assert baselines(project.path)["menu"] == before["menu"]
    result = project.runpytest("--snapshot-update=all")
    assert outcomes(result) == {"passed": 3}
    result.stdout.fnmatch_lines(["*rewritten (--snapshot-update=all)*"])
    assert baselines(project.path)["footer"] != before["footer"]  # now the JPEG's pixels


def test_ci_writes_nothing_unless_asked(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest()
    assert outcomes(result) == {"failed": 3}
    result.stdout.fnmatch_lines([
        "*image snapshot 'home.png' has no baseline at __snapshots__/test_ui/home.png; "
        "nothing written (CI is set)"])
    assert not snapshots(project.path).exists()
    # the report holds them as new items, which spotdiff approve can write
    assert {i["status"] for i in report_summary(project.path)["items"]} == {"new"}
    # asked explicitly, CI writes
    assert outcomes(project.runpytest("--snapshot-update=missing")) == {"passed": 3}
    before = baselines(project.path)
    monkeypatch.setenv("SNAP_CHANGED", "home")
    assert outcomes(project.runpytest()) == {"passed": 2, "failed": 1}
    assert baselines(project.path) == before
    # none: nothing written outside CI either
    monkeypatch.delenv("CI")
    (snapshots(project.path) / "menu.png").unlink()
    assert outcomes(project.runpytest("--snapshot-update=none")) == {"passed": 1, "failed": 2}
    assert not (snapshots(project.path) / "menu.png").exists()


def test_unused_baselines_are_reported_and_pruned_only_when_asked(project):
    project.runpytest()
    stale = snapshots(project.path) / "old" / "gone.png"
    stale.parent.mkdir()
    stale.write_bytes((snapshots(project.path) / "home.png").read_bytes())
    result = project.runpytest()
    assert outcomes(result) == {"passed": 3}
    result.stdout.fnmatch_lines(["*1 unused baseline(s) (delete them with --snapshot-prune):",
                                 "*__snapshots__/test_ui/old/gone.png"])
    assert stale.exists()
    # a run of part of the module cannot know: says nothing, prunes nothing
    for args in (["-k", "home"], ["test_ui.py::test_home"]):
        result = project.runpytest("--snapshot-prune", *args)
        assert "unused baseline" not in result.stdout.str() and stale.exists(), args
    result = project.runpytest("--snapshot-prune")
    result.stdout.fnmatch_lines(["*1 unused baseline(s) deleted (--snapshot-prune):"])
    assert not stale.exists() and not stale.parent.exists()
    assert set(baselines(project.path)) == {"home", "menu", "footer"}


def test_a_failing_module_is_not_checked_for_unused_baselines(project, monkeypatch):
    project.runpytest()
    stale = snapshots(project.path) / "gone.png"
    stale.write_bytes((snapshots(project.path) / "home.png").read_bytes())
    monkeypatch.setenv("SNAP_CHANGED", "home")
    result = project.runpytest("--snapshot-prune")
    assert outcomes(result) == {"passed": 2, "failed": 1}
    assert stale.exists() and "unused baseline" not in result.stdout.str()


def test_two_xdist_workers_give_the_same_outcome_and_one_report(project, monkeypatch):
    project.runpytest()
    (snapshots(project.path) / "gone.png").write_bytes(
        (snapshots(project.path) / "home.png").read_bytes())
    serial = project.runpytest()
    parallel = project.runpytest_subprocess("-p", "xdist", "-n", "2")
    assert outcomes(parallel) == outcomes(serial) == {"passed": 3}
    parallel.stdout.fnmatch_lines(["*1 unused baseline(s)*", "*__snapshots__/test_ui/gone.png"])
    (snapshots(project.path) / "gone.png").unlink()
    monkeypatch.setenv("SNAP_CHANGED", "home,menu,footer")
    serial = project.runpytest()
    serial_items = report_summary(project.path)["items"]
    parallel = project.runpytest_subprocess("-p", "xdist", "-n", "2")
    assert outcomes(parallel) == outcomes(serial) == {"failed": 3}
    assert "2 workers" in parallel.stdout.str()
    parallel.stdout.fnmatch_lines(["*3 image snapshot failure(s); report: "
                                   "snapshot-report/index.html"])
    items = report_summary(project.path)["items"]  # the workers' items, in one report
    assert [(i["name"], i["status"], i["compare"]["changed_pixels"]) for i in items] == [
        (i["name"], i["status"], i["compare"]["changed_pixels"]) for i in serial_items]
    assert len(items) == 3
    # and missing baselines on two workers
    for path in snapshots(project.path).iterdir():
        path.unlink()
    parallel = project.runpytest_subprocess("-p", "xdist", "-n", "2")
    assert outcomes(parallel) == {"failed": 3}
    parallel.stdout.fnmatch_lines(["*3 baseline(s) written (new):*"])
    assert outcomes(project.runpytest_subprocess("-p", "xdist", "-n", "2")) == {"passed": 3}


def test_the_baseline_folder_is_set_in_the_ini_file(pytester):
    pytester.makeini("[pytest]\nspotdiff_snapshot_dir = baselines\n"
                     "spotdiff_snapshot_report = out/report\n")
    pytester.mkpydir("ui")
    (pytester.path / "ui" / "test_pages.py").write_text(MODULE)
    assert outcomes(pytester.runpytest()) == {"failed": 3}
    assert sorted(p.name for p in (pytester.path / "baselines" / "ui" / "test_pages").iterdir()) \
        == ["footer.png", "home.png", "menu.png"]
    assert not (pytester.path / "ui" / "__snapshots__").exists()
    assert (pytester.path / "out" / "report" / "summary.json").is_file()
    assert outcomes(pytester.runpytest()) == {"passed": 3}


def test_ignored_regions_are_never_painted_into_the_baseline(pytester):
    pytester.makepyfile(test_box='''
import os
import numpy as np

def test_clock(image_snapshot):
    img = np.full((60, 80, 3), 200, np.uint8)
    img[5:15, 50:75] = int(os.environ.get("CLOCK", "7")) * 30  # a clock's digits
    image_snapshot(img, "clock.png", ignore=[(45, 0, 80, 20)])
''')
    os.environ.pop("CLOCK", None)
    assert outcomes(pytester.runpytest()) == {"failed": 1}
    import cv2

    written = cv2.imread(str(pytester.path / "__snapshots__" / "test_box" / "clock.png"))
    assert (written[5:15, 50:75] == 7 * 30).all() and (written[20:] == 200).all()
    os.environ["CLOCK"] = "3"
    try:
        assert outcomes(pytester.runpytest()) == {"passed": 1}
    finally:
        del os.environ["CLOCK"]


def test_options_and_bad_input_say_what_is_wrong(pytester):
    pytester.makepyfile(test_bad='''
import numpy as np

def test_unknown_option(image_snapshot):
    image_snapshot(np.zeros((8, 8, 3), np.uint8), "a.png", colour="red")

def test_bad_name(image_snapshot):
    image_snapshot(np.zeros((8, 8, 3), np.uint8), "../a.png")

def test_bad_bytes(image_snapshot):
    image_snapshot(b"not an image", "b.png")

def test_bad_type(image_snapshot):
    image_snapshot(42, "c.png")

def test_gate(image_snapshot):
    img = np.zeros((8, 8, 3), np.uint8)
    image_snapshot(img, "d.png", max_changed_pixels=-1)
''')
    result = pytester.runpytest()
    assert outcomes(result) == {"failed": 5}
    result.stdout.fnmatch_lines_random([
        "*unknown compare option(s): colour*",
        "*image_snapshot name: expected a relative name inside the snapshot folder*'../a.png'*",
        "*actual image '<bytes>': expected *",
        "*image_snapshot's actual image: expected a numpy array, a PIL image, encoded image "
        "bytes*got int*",
        "*max_changed_pixels: expected a number >= 0, got -1*"])
    assert not (pytester.path / "__snapshots__").exists()


def test_another_plugins_snapshot_update_option_does_not_break_the_run(project, monkeypatch):
    """syrupy has a --snapshot-update of its own: pytest still starts, and
    image_snapshot keeps the default policy and says why."""
    project.makepyfile(other_plugin="""
def pytest_addoption(parser):
    parser.getgroup("other").addoption("--snapshot-update", action="store_true")
""")
    project.syspathinsert()
    result = project.runpytest("-p", "other_plugin", "--snapshot-update")
    assert outcomes(result) == {"failed": 3}  # missing: written, and failing as by default
    result.stdout.fnmatch_lines(["*--snapshot-update: another plugin's option here*"])
    assert outcomes(project.runpytest("-p", "other_plugin")) == {"passed": 3}


def test_a_new_size_fails_and_can_be_approved(pytester, monkeypatch):
    pytester.makepyfile(test_size='''
import os
import numpy as np

def test_page(image_snapshot):
    img = np.full((int(os.environ.get("HEIGHT", "40")), 60, 3), 230, np.uint8)
    img[5:15, 5:25] = (200, 30, 30)
    image_snapshot(img, "page.png")
''')
    pytester.runpytest()
    monkeypatch.setenv("HEIGHT", "50")
    result = pytester.runpytest()
    assert outcomes(result) == {"failed": 1}
    result.stdout.fnmatch_lines([
        "*the size changed: baseline 60x40, actual 60x50 (report compared with size='pad-count')"])
    [item] = report_summary(pytester.path)["items"]
    assert item["status"] == "changed" and item["compare"]["changed_pixels"] == 600
    code, _, err = spotdiff("approve", pytester.path / "snapshot-report", "--all")
    assert code == 0, err
    assert outcomes(pytester.runpytest()) == {"passed": 1}


def test_one_baseline_belongs_to_one_test(pytester):
    pytester.makepyfile(test_twice='''
import numpy as np

def test_a(image_snapshot):
    image_snapshot(np.zeros((8, 8, 3), np.uint8), "same.png")

def test_b(image_snapshot):
    image_snapshot(np.zeros((8, 8, 3), np.uint8), "same.png")
''')
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*image snapshot 'same.png': expected one test per baseline, "
                                 "got also used by test_twice.py::test_a*"])
