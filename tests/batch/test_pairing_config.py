"""Pairing folders and pair files; the config file's options per pattern."""

from __future__ import annotations

import json

import pytest

from spotdiff.batch.config import load_config
from spotdiff.batch.pairing import pairs_from_file, pairs_from_folders
from spotdiff.errors import InputError

from .batch_helpers import run_cli


def test_folders_pair_by_relative_path(folders):
    (folders.cur / "notes.txt").write_text("not an image")
    (folders.cur / ".hidden.png").write_bytes(b"")
    pairs = {p.name: p for p in pairs_from_folders(folders.base, folders.cur)}
    assert sorted(pairs) == ["gone.png", "new.png", "pages/changed.png", "same.png"]
    assert pairs["new.png"].before is None and pairs["gone.png"].after is None
    assert pairs["new.png"].target == str((folders.base / "new.png").resolve())
    assert pairs["pages/changed.png"].after == str(folders.cur / "pages" / "changed.png")


@pytest.mark.parametrize(("text", "needle"), [
    ("a.png\n", "before and after paths"),
    ('{"before": "a.png"}\n', "before and after paths"),
    ('{"before": "a.png", "after": \n', "invalid JSON"),
    ("a.png,b.png,x\nc.png,d.png,x\n", "a unique name per pair"),
    ("\n", "at least one pair"),
])
def test_bad_pair_files(tmp_path, text, needle):
    path = tmp_path / "pairs.txt"
    path.write_text(text)
    with pytest.raises(InputError, match=needle):
        pairs_from_file(path)


def test_csv_without_header_names_by_after(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a/x.png,b/x.png\n")
    (pair,) = pairs_from_file(path)
    assert (pair.name, pair.before) == ("b/x.png", str(tmp_path / "a" / "x.png"))


def test_override_per_pattern_ignores_a_region_for_one_page(folders, tmp_path):
    config = tmp_path / "spotdiff.toml"
    # both changes of pages/changed.png are ignored there; nowhere else
    config.write_text('[[override]]\npattern = "pages/*"\n'
                      'ignore = [[100, 80, 140, 110], [0, 0, 48, 16]]\n')
    code, _, err = run_cli("batch", folders.base, folders.cur, "-o", folders.out, "--jobs", "1",
                           "--config", config)
    assert code == 1, err  # new and deleted are still there
    summary = json.loads((folders.out / "summary.json").read_text())
    item = next(r for r in summary["items"] if r["name"] == "pages/changed.png")
    assert item["status"] == "unchanged"
    assert item["compare"]["options"]["ignore"] == [[100, 80, 140, 110], [0, 0, 48, 16]]
    assert summary["config"]["overrides"][0]["pattern"] == "pages/*"


def test_looser_gate_from_config_and_command_line_wins_over_options(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[options]\nmax-changed-pixels = 100000\nmethod = "absdiff"\n'
                      '[[override]]\npattern = "strict/*"\nmax_changed_pixels = 0\n')
    cfg = load_config(config, {"method": "color"})
    assert cfg.item_options("a.png") == {"max_changed_pixels": 100000, "method": "color"}
    assert cfg.item_options("strict/a.png")["max_changed_pixels"] == 0


@pytest.mark.parametrize(("text", "needle"), [
    ("[options]\nthreshhold = 3\n", "key 'threshhold'"),
    ("[options]\nmethod = \"nope\"\n", "[options]"),
    ("[[override]]\nthreshold = 3\n", "add a pattern key"),
    ("[[override]]\npattern = \"*\"\nmin_area = -4\n", "[[override]] #1"),
    ("[option]\n", "the tables [options] and [[override]]"),
    ("threshold = \n", "valid TOML"),
])
def test_bad_config_names_the_key_or_section(tmp_path, text, needle):
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(InputError) as info:
        load_config(config, {})
    assert needle in str(info.value)
