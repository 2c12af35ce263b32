"""Real Playwright bytes: a test that screenshots a tiny local page in
Debian's Chromium and asserts it with image_snapshot passes run after run,
and fails when the page changes; the run's report opens in the browser."""

from __future__ import annotations

import pytest

from browser import CHROMIUM, FLAGS, NO_CHROMIUM

from .snapshot_helpers import outcomes

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)

PAGE = """<!doctype html><meta charset="utf-8"><title>t</title>
<style>body {{ margin: 0; font: 16px sans-serif; background: #f4f4f4 }}
header {{ background: #1e3c78; color: white; padding: 8px }}
.card {{ margin: 12px; padding: 10px; background: white; border: 1px solid #ccc;
         width: 180px }}</style>
<header>Orders</header><div class="card">Total: <b>{total}</b></div>"""

MODULE = """
from pathlib import Path

from playwright.sync_api import sync_playwright


def test_page(image_snapshot, tmp_path):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path={chromium!r}, headless=True,
                                     args={flags!r})
        page = browser.new_page(viewport={{"width": 320, "height": 160}})
        page.goto((Path(__file__).parent / "page.html").as_uri())
        shot = page.screenshot()
        browser.close()
    image_snapshot(shot, "orders.png")
"""


def test_a_screenshot_passes_twice_and_fails_when_the_page_changes(pytester, monkeypatch):
    pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not "
                        "installed (pip install -e '.[test]')")
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(test_orders=MODULE.format(chromium=str(CHROMIUM), flags=FLAGS))
    page = pytester.path / "page.html"
    page.write_text(PAGE.format(total="42.00 €"), encoding="utf-8")
    first = pytester.runpytest()
    assert outcomes(first) == {"failed": 1}
    baseline = pytester.path / "__snapshots__" / "test_orders" / "orders.png"
    assert baseline.read_bytes().startswith(b"\x89PNG")
    for _ in range(2):
        assert outcomes(pytester.runpytest()) == {"passed": 1}
    page.write_text(PAGE.format(total="42.50 €"), encoding="utf-8")
    changed = pytester.runpytest()
    assert outcomes(changed) == {"failed": 1}
    changed.stdout.fnmatch_lines([
        "*image snapshot 'orders.png' differs from its baseline (test_orders.py::test_page)",
        "*DIFFERENT: * changed pixels (*), 1 region(s), score *, 320x160"])

    # the run's report: the batch report's page, with the failure in it
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        tab = browser.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto((pytester.path / "snapshot-report" / "index.html").as_uri())
        text = tab.locator("body").inner_text()
        browser.close()
    assert not errors
    assert "__snapshots__/test_orders/orders.png" in text and "changed (1)" in text
