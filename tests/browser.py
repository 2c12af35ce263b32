"""Debian's Chromium, driven by Playwright's Python package (Playwright's own
browsers are never downloaded): where it is and how it is launched."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("SPOTDIFF_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Why a browser test is skipped when there is no Chromium.
NO_CHROMIUM = f"no Chromium at {CHROMIUM}: install Debian's chromium (bash .ci/setup-system)"
