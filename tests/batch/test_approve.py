"""``spotdiff approve``: copies exactly the approved CURRENT images over the
baselines, without comparing again, all or nothing, and records it."""

from __future__ import annotations

import json

import pytest

from .batch_helpers import page, run_cli, save


@pytest.fixture
def batch(folders):
    save(folders.cur / "pages" / "other.png", page(7))  # a second changed item
    save(folders.base / "pages" / "other.png", page(8))
    code, _, _ = run_cli("batch", folders.base, folders.cur, "-o", folders.out, "--jobs", "1")
    assert code == 1
    return folders


def test_approvals_file_copies_only_the_selected_then_batch_is_clean(batch, tmp_path):
    approvals = tmp_path / "approvals.json"
    approvals.write_text(json.dumps({"schema": "spotdiff.approvals/1",
                                     "items": ["pages/changed.png", "new.png"]}))
    other_before = (batch.base / "pages" / "other.png").read_bytes()
    code, out, err = run_cli("approve", batch.out, "--from", approvals)
    assert code == 0, err
    assert "2 image(s) approved" in err
    for name in ("pages/changed.png", "new.png"):
        assert (batch.base / name).read_bytes() == (batch.cur / name).read_bytes()
        assert f"approved {name}" in out
    assert (batch.base / "pages" / "other.png").read_bytes() == other_before
    log = json.loads((batch.out / "approved.json").read_text())["approved"]
    assert [e["name"] for e in log] == ["pages/changed.png", "new.png"]
    assert all(len(e["sha256"]) == 64 for e in log)
    # the approved items now compare unchanged; other.png is still changed
    code, _, _ = run_cli("batch", batch.base, batch.cur, "-o", tmp_path / "again", "--jobs", "1")
    summary = json.loads((tmp_path / "again" / "summary.json").read_text())
    assert {r["name"]: r["status"] for r in summary["items"]} == {
        "gone.png": "deleted", "new.png": "unchanged", "pages/changed.png": "unchanged",
        "pages/other.png": "changed", "same.png": "unchanged"}


def test_only_pattern_and_all(batch):
    code, out, _ = run_cli("approve", batch.out, "--only", "pages/o*")
    assert code == 0 and out.count("approved ") == 1 and "pages/other.png" in out
    code, out, _ = run_cli("approve", batch.out, "--all")
    assert code == 0 and out.count("approved ") == 3  # both changed and the new one
    log = json.loads((batch.out / "approved.json").read_text())["approved"]
    assert len(log) == 4  # appended, not replaced


def test_exact_names(batch):
    code, out, _ = run_cli("approve", batch.out, "--items", "new.png", "pages/other.png")
    assert code == 0 and out.count("approved ") == 2
    assert (batch.base / "new.png").read_bytes() == (batch.cur / "new.png").read_bytes()
    code, _, err = run_cli("approve", batch.out, "--items", "pages")  # not a pattern
    assert code == 2 and "names of items in this report" in err


def test_dry_run_copies_nothing(batch):
    before = (batch.base / "pages" / "changed.png").read_bytes()
    code, out, _ = run_cli("approve", batch.out, "--all", "--dry-run")
    assert code == 0 and out.count("would copy") == 3
    assert (batch.base / "pages" / "changed.png").read_bytes() == before
    assert not (batch.base / "new.png").exists()
    assert not (batch.out / "approved.json").exists()


def test_refuses_a_current_image_changed_since_the_batch_and_copies_nothing(batch):
    save(batch.cur / "pages" / "other.png", page(9))  # edited after the review
    before = (batch.base / "pages" / "changed.png").read_bytes()
    code, _, err = run_cli("approve", batch.out, "--all")
    assert code == 2 and "different bytes now" in err and err.count("\n") == 1
    assert (batch.base / "pages" / "changed.png").read_bytes() == before  # all or nothing
    assert not (batch.base / "new.png").exists()


@pytest.mark.parametrize(("items", "needle"), [
    (["nope.png"], "names of items in this report"),
    (["same.png"], "'same.png' (unchanged)"),
    (["gone.png"], "'gone.png' (deleted)"),
])
def test_refuses_names_that_cannot_be_approved(batch, tmp_path, items, needle):
    approvals = tmp_path / "a.json"
    approvals.write_text(json.dumps(items))
    code, _, err = run_cli("approve", batch.out, "--from", approvals)
    assert code == 2 and needle in err


def test_refuses_a_folder_without_a_summary(tmp_path):
    code, _, err = run_cli("approve", tmp_path, "--all")
    assert code == 2 and "summary.json" in err
