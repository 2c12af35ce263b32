"""Folders of baselines and current images for the batch tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .batch_helpers import Folders, changed_page, page, save


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    """same.png unchanged, pages/changed.png changed (two regions), new.png
    only in CURRENT, gone.png only in BASELINE."""
    base, cur = tmp_path / "baseline", tmp_path / "current"
    for root in (base, cur):
        save(root / "same.png", page(1))
    save(base / "pages" / "changed.png", page(2))
    save(cur / "pages" / "changed.png", changed_page(2))
    save(cur / "new.png", page(3))
    save(base / "gone.png", page(4))
    return Folders(base, cur, tmp_path / "out")


@pytest.fixture
def broken(folders: Folders) -> Folders:
    """The folders plus broken.png, whose baseline is not an image."""
    (folders.base / "broken.png").write_bytes(b"not an image at all")
    save(folders.cur / "broken.png", page(5))
    return folders
