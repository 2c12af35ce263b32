"""Debian's Chromium, driven by Playwright's Python package (Playwright's own
browsers are never downloaded): where it is and how it is launched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SPOTDIFF_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Why a browser test is skipped when there is no Chromium.
NO_CHROMIUM = f"no Chromium at {CHROMIUM}: install Debian's chromium (bash .ci/setup-system)"


@contextmanager
def chromium_context(profile: Path, *, height: int, extra_args: tuple[str, ...] = ()) -> Iterator:
    """A headless Chromium context (its own empty profile), downloads accepted."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright's Python package is not installed "
        "(pip install -e '.[test]')")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=[*FLAGS, *extra_args],
            accept_downloads=True, viewport={"width": 1280, "height": height})
        yield context
        context.close()
