"""The HTML report in a real headless Chromium (Debian's ``chromium`` driven
by Playwright's Python package; Playwright's own browsers are never
downloaded): it opens from file:// after being moved, escapes names,
filters with the state in the URL, shows every viewer mode, the slider
drags, region jumps zoom onto each region, keys navigate, and the approvals
it exports are what ``spotdiff approve`` applies."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import cv2
import pytest

from browser import CHROMIUM, NO_CHROMIUM, chromium_context

from .batch_helpers import Folders, changed_page, page, run_cli, save

HOSTILE = "<img src=x onerror=window.__xss=1>&amp;'\".png"
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium_context(tmp_path_factory.mktemp("profile"), height=900) as context:
        yield context


def make_batch(root: Path) -> Folders:
    base, cur = root / "baseline", root / "current"
    for r in (base, cur):
        save(r / "same.png", page(1))
    save(base / HOSTILE, page(6))
    # the same pixels in other bytes: decoded, unchanged, with a thumbnail
    cv2.imwrite(str(cur / HOSTILE), page(6)[:, :, ::-1].copy(), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    save(base / "pages" / "changed.png", page(2))
    save(cur / "pages" / "changed.png", changed_page(2))
    save(cur / "new.png", page(3))
    save(base / "gone.png", page(4))
    (base / "broken.png").write_bytes(b"not an image")
    save(cur / "broken.png", page(5))
    out = root / "out"
    code, _, err = run_cli("batch", base, cur, "-o", out, "--jobs", "1")
    assert code == 2, err
    return Folders(base, cur, out)


@pytest.fixture(scope="module")
def moved_report(tmp_path_factory) -> Path:
    """A report moved to another folder after it was written."""
    root = tmp_path_factory.mktemp("batch")
    folders = make_batch(root)
    moved = root / "elsewhere" / "report"
    moved.parent.mkdir()
    shutil.move(folders.out, moved)
    return moved


@pytest.fixture
def open_report(browser, moved_report):
    pages = []

    def opener(folder: Path = moved_report, fragment: str = ""):
        tab = browser.new_page()
        tab.errors = []
        tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
        tab.goto((folder / "index.html").as_uri() + fragment)
        tab.wait_for_selector(".item")
        pages.append(tab)
        return tab

    yield opener
    for tab in pages:
        assert tab.errors == []
        tab.close()


def names(tab) -> list[str]:
    return tab.locator(".item .name").all_inner_texts()


def test_opens_from_file_after_a_move_with_pictures_as_files(open_report, moved_report):
    tab = open_report()
    assert tab.inner_text("#totals") == ("6 of 6 items: 1 changed, 1 new, 1 deleted, "
                                         "2 unchanged, 1 error(s)")
    # in the reviewer's order: errors, changes, new, deleted, unchanged
    assert names(tab) == ["broken.png", "pages/changed.png", "new.png", "gone.png",
                          HOSTILE, "same.png"]
    tab.wait_for_function("[...document.querySelectorAll('.item img')]"
                          ".every(i => i.complete && i.naturalWidth > 0)")
    srcs = tab.eval_on_selector_all(".item img", "els => els.map(e => e.src)")
    assert len(srcs) == 4 and all(s.startswith("file://") and s.endswith("/thumb.jpg")
                                  for s in srcs)
    # byte-identical files are not decoded for a thumbnail: the list says so
    same = tab.locator(".item", has_text="same.png")
    assert same.locator("img").count() == 0
    assert same.locator(".thumb-missing").inner_text() == "identical files"
    for name in ("index.html", "report-data.js"):
        text = (moved_report / name).read_text()
        assert "data:image" not in text and "base64" not in text


def test_user_strings_are_text_not_html(open_report):
    tab = open_report()
    assert HOSTILE in names(tab)
    assert tab.evaluate("window.__xss") is None
    assert tab.locator("img[src='x']").count() == 0
    tab.locator(".item", has_text="onerror").click()
    assert tab.inner_text("#item-name") == HOSTILE and tab.evaluate("window.__xss") is None


def test_filters_and_search_are_kept_in_the_url(open_report, moved_report):
    tab = open_report()
    tab.click(".filter[data-state=changed]")
    assert names(tab) == ["pages/changed.png"]
    tab.click(".filter[data-state=error]")
    assert sorted(names(tab)) == ["broken.png", "pages/changed.png"]
    assert "states=changed%2Cerror" in tab.url
    error = tab.locator(".item[data-status=error]")
    assert "expected a PNG" in error.locator(".line").inner_text()
    tab.reload()
    tab.wait_for_selector(".item")
    assert sorted(names(tab)) == ["broken.png", "pages/changed.png"]
    assert tab.get_attribute(".filter[data-state=error]", "aria-pressed") == "true"
    tab.click(".filter[data-state='']")
    tab.fill("#search", "GON")
    assert names(tab) == ["gone.png"] and "q=GON" in tab.url
    other = open_report(fragment="#states=new")
    assert names(other) == ["new.png"]


def open_changed(tab) -> None:
    tab.click(".filter[data-state=changed]")
    tab.click(".item")
    tab.wait_for_selector("#viewer:not([hidden])")
    tab.wait_for_function("[...document.querySelectorAll('#stage img')]"
                          ".every(i => i.complete && i.naturalWidth > 0)")


def stage_images(tab) -> list[str]:
    return tab.eval_on_selector_all("#stage img", "els => els.map(e => e.src.split('/').pop())")


def test_every_viewer_mode(open_report):
    tab = open_report()
    open_changed(tab)
    assert "DIFFERENT" in tab.inner_text("#item-line") and "2 region(s)" in tab.inner_text(
        "#item-line")
    assert stage_images(tab) == ["before.png", "after.png"]
    assert tab.locator("#stage .pane").count() == 2
    tab.keyboard.press("2")  # slider
    assert "mode=slider" in tab.url and stage_images(tab) == ["before.png", "after.png"]
    assert tab.eval_on_selector("#stage .layer.after", "e => e.style.clipPath") == \
        "inset(0px 0px 0px 50%)"
    tab.keyboard.press("3")  # onion skin
    assert tab.eval_on_selector("#stage .layer.after", "e => e.style.opacity") == "0.5"
    tab.fill("#onion", "20")
    tab.dispatch_event("#onion", "input")
    assert tab.eval_on_selector("#stage .layer.after", "e => e.style.opacity") == "0.2"
    tab.keyboard.press("4")  # blink: the stage alternates between both images
    seen = set()
    for _ in range(20):
        seen.add(tab.get_attribute("#stage", "data-blink"))
        if len(seen) == 2:
            break
        tab.wait_for_timeout(150)
    assert seen == {"before", "after"}
    tab.keyboard.press("5")
    assert stage_images(tab) == ["heatmap.jpg"]
    tab.keyboard.press("6")
    assert stage_images(tab) == ["mask.png"]
    tab.wait_for_function("document.querySelector('#stage img').naturalWidth === 160")


def test_slider_drags(open_report):
    tab = open_report()
    open_changed(tab)
    tab.keyboard.press("2")
    handle = tab.locator("#handle").bounding_box()
    img = tab.locator("#stage .layer.before").bounding_box()
    y = handle["y"] + handle["height"] / 2
    tab.mouse.move(handle["x"] + handle["width"] / 2, y)
    tab.mouse.down()
    tab.mouse.move(img["x"] + img["width"] * 0.25, y, steps=5)
    tab.mouse.up()
    clip = tab.eval_on_selector("#stage .layer.after", "e => e.style.clipPath")
    percent = float(re.search(r"([\d.]+)%", clip).group(1))
    assert 23 < percent < 27
    assert 23 <= int(tab.input_value("#slider")) <= 27


def test_next_and_previous_region_zoom_onto_each_region(open_report, moved_report):
    tab = open_report()
    open_changed(tab)
    summary = json.loads((moved_report / "summary.json").read_text())
    regions = [r["bbox"] for r in next(i for i in summary["items"]
                                       if i["status"] == "changed")["compare"]["regions"]]
    assert len(regions) == 2
    fit_width = tab.locator("#stage .pane >> nth=0").locator("img").bounding_box()["width"]
    for key, index in (("n", 0), ("n", 1), ("n", 0), ("p", 1)):
        tab.keyboard.press(key)
        assert tab.inner_text("#region-info") == f"region {index + 1} of 2"
        pane = tab.locator("#stage .pane >> nth=0").bounding_box()
        box = tab.locator("#stage .pane >> nth=0").locator(".region-box").bounding_box()
        x0, y0, x1, y1 = regions[index]
        # the region's box is centred in the pane, zoomed in beyond the fit
        assert abs(box["x"] + box["width"] / 2 - (pane["x"] + pane["width"] / 2)) < 3
        assert abs(box["y"] + box["height"] / 2 - (pane["y"] + pane["height"] / 2)) < 3
        scale = box["width"] / (x1 - x0)
        assert scale > fit_width / 160 * 1.2
        assert abs(box["height"] / (y1 - y0) - scale) < 0.1 * scale
    # both panes of the side-by-side view show the same place (synchronised)
    transforms = tab.eval_on_selector_all("#stage .canvas",
                                          "els => els.map(e => e.style.transform)")
    assert len(transforms) == 2 and transforms[0] == transforms[1]


def test_keyboard_navigation(open_report):
    tab = open_report()
    tab.keyboard.press("j")
    tab.keyboard.press("j")
    third = names(tab)[2]
    tab.keyboard.press("Enter")
    assert tab.inner_text("#item-name") == third
    tab.keyboard.press("ArrowRight")
    assert tab.inner_text("#item-name") == names_all(tab)[3]
    tab.keyboard.press("ArrowLeft")
    tab.keyboard.press("Escape")
    assert tab.is_visible("#list-view") and not tab.is_visible("#viewer")
    tab.keyboard.press("/")
    assert tab.evaluate("document.activeElement.id") == "search"


def names_all(tab) -> list[str]:
    return tab.evaluate("SPOTDIFF_REPORT.items.map(i => i.name)")


def test_approvals_export_is_what_approve_applies(browser, open_report, tmp_path):
    folders = make_batch(tmp_path)
    tab = open_report(folders.out)
    tab.locator(".item", has_text="pages/changed.png").locator("input.approve").check()
    tab.keyboard.press("j")  # also with the keyboard: the cursor to new.png, x approves
    while tab.locator(".item.current .name").inner_text() != "new.png":
        tab.keyboard.press("j")
    tab.keyboard.press("x")
    assert tab.inner_text("#selected-count") == "2 approved"
    assert tab.locator(".item[data-status=unchanged] input.approve").count() == 0
    with tab.expect_download() as download:
        tab.click("#export")
    saved = tmp_path / "approvals.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["items"] == ["pages/changed.png", "new.png"]
    command = tab.inner_text("#command")
    assert command == f"spotdiff approve '{folders.out}' --from approvals.json"
    code, _, err = run_cli("approve", folders.out, "--from", saved)
    assert code == 0, err
    for name in ("new.png", "pages/changed.png"):
        assert (folders.base / name).read_bytes() == (folders.cur / name).read_bytes()
    assert not (folders.base / "new.png").samefile(folders.cur / "new.png")


def test_screenshot_for_the_readme(open_report):
    """Writes docs/batch-report.png when SPOTDIFF_UPDATE_DOCS=1."""
    tab = open_report()
    open_changed(tab)
    tab.keyboard.press("n")
    picture = tab.screenshot()
    assert picture.startswith(b"\x89PNG")
    if os.environ.get("SPOTDIFF_UPDATE_DOCS") == "1":
        (REPO / "docs" / "batch-report.png").write_bytes(picture)


def test_zoom_and_pan_are_synchronised(open_report):
    tab = open_report()
    open_changed(tab)

    def transforms() -> list[str]:
        return tab.eval_on_selector_all("#stage .canvas", "els => els.map(e => e.style.transform)")

    start = transforms()
    pane = tab.locator("#stage .pane >> nth=1").bounding_box()
    x, y = pane["x"] + pane["width"] / 2, pane["y"] + pane["height"] / 2
    tab.mouse.move(x, y)
    tab.mouse.wheel(0, -300)  # zoom in on the right-hand pane
    tab.mouse.down()
    tab.mouse.move(x + 40, y + 25, steps=4)  # and pan it
    tab.mouse.up()
    after = transforms()
    assert after[0] == after[1] and after[0] != start[0]
    def scale(transform: str) -> float:
        return float(re.search(r"scale\(([\d.]+)\)", transform).group(1))

    assert scale(after[0]) > scale(start[0])
    tab.keyboard.press("0")
    assert transforms() == start
