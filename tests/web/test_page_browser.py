"""The web page in a real headless Chromium (Debian's ``chromium`` driven by
Playwright's Python package), over a real watch of a live MJPEG camera:
``spotdiff watch --config ... --serve`` in one process and ``spotdiff serve``
over the same folder in another. The live frame changes, a new event appears
without reloading and its clip plays in the browser's player, a zone drawn
on the frame lands in the config file, a slider moves the mask, and names
from users stay text. Writes docs/web-*.png when SPOTDIFF_UPDATE_DOCS=1."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from web_servers import MjpegServer, Process, scene_frame

from browser import CHROMIUM, NO_CHROMIUM, chromium_context
from spotdiff.watch.cameras import load_cameras

AUTOPLAY = ("--autoplay-policy=no-user-gesture-required",)
REPO = Path(__file__).resolve().parents[2]
CAMERA = "door <img src=x onerror=window.__xss=1> & \"q\"'"
ZONE = "<b>hall</b> & 'z'"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live camera, its watch with the page (--serve), and ``spotdiff serve`` beside it."""
    pytest.importorskip("starlette", reason="the 'web' extra is not installed")
    root = tmp_path_factory.mktemp("site")
    camera = MjpegServer(fps=25)
    camera.picture = scene_frame
    camera.start()
    config = root / "cameras.toml"
    config.write_text(
        "# the cameras of the test\n"
        f"[cameras.{json.dumps(CAMERA)}]\n"
        f'source = "{camera.url}"\n'
        "learn_frames = 25\nevent_gap = 0.4\npre = 0.5\npost = 0.5\n"
        f"zones = {{ {json.dumps(ZONE)} = \"0,100 320,100 320,240 0,240\" }}\n",
        encoding="utf-8")
    out = root / "out"
    watch = Process("watch", "--config", config, "-o", out, "--serve", "127.0.0.1:0", cwd=root)
    serve = Process("serve", "-o", out, "--bind", "127.0.0.1:0", cwd=root)
    yield {"watch": watch, "serve": serve, "config": config, "out": out}
    serve_code, watch_code = serve.stop(), watch.stop()
    camera.stop()
    assert serve_code == 130, "".join(serve.log)  # Ctrl-C: interrupted
    assert watch_code in (0, 1), "".join(watch.log)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium_context(tmp_path_factory.mktemp("profile"), height=860,
                          extra_args=AUTOPLAY) as context:
        yield context


@pytest.fixture
def open_page(browser, site):
    pages = []

    def opener(view: str, server: str = "watch"):
        tab = browser.new_page()
        tab.errors = []
        tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
        tab.goto(f"{site[server].base}/#{view}")
        pages.append(tab)
        return tab

    yield opener
    for tab in pages:
        assert tab.evaluate("window.__xss") is None
        assert tab.locator("img[src='x']").count() == 0
        assert tab.errors == []
        tab.close()


def screenshot(tab, name: str) -> None:
    picture = tab.screenshot()
    assert picture.startswith(b"\x89PNG")
    if os.environ.get("SPOTDIFF_UPDATE_DOCS") == "1":
        (REPO / "docs" / name).write_bytes(picture)


def frame_seq(tab, selector: str) -> int:
    tab.wait_for_function(f"(() => {{ const i = document.querySelector({selector!r});"
                          "return i && i.complete && i.naturalWidth > 0 && i.dataset.seq; })()",
                          timeout=20_000)
    return int(tab.get_attribute(selector, "data-seq"))


@pytest.mark.parametrize("server", ["watch", "serve"])
def test_live_view_shows_the_camera_its_zone_and_a_changing_frame(open_page, server):
    tab = open_page("live", server)
    tab.wait_for_selector(".camera")
    assert tab.inner_text(".camera .camera-name") == CAMERA
    first = frame_seq(tab, ".camera img.frame")
    tab.wait_for_function(f"Number(document.querySelector('.camera img.frame').dataset.seq)"
                          f" > {first}", timeout=10_000)
    assert tab.get_attribute(".camera svg.overlay", "viewBox") == "0 0 320 240"
    assert tab.locator(".camera svg .zone").count() == 1
    assert tab.text_content(".camera svg .zone-label") == ZONE
    assert tab.inner_text(".camera .camera-status").startswith("live · frame ")
    if server == "watch":
        # a region box is drawn while someone crosses
        tab.wait_for_selector(".camera svg rect.region", timeout=10_000)
        screenshot(tab, "web-live.png")


def test_a_new_event_appears_without_reloading_and_its_clip_plays(open_page, site, tmp_path):
    tab = open_page("events")
    tab.wait_for_selector("#event-count")
    tab.wait_for_function("document.querySelector('#event-count').textContent !== ''")
    seen = tab.eval_on_selector_all(".event", "els => els.map(e => Number(e.dataset.id))")
    newest = max(seen, default=0)
    # no reload from here on: the list polls
    tab.wait_for_selector(f".event[data-id='{newest + 1}'] video.clip", timeout=30_000)
    card = tab.locator(f".event[data-id='{newest + 1}']")
    assert card.locator(".event-camera").inner_text() == CAMERA
    assert card.locator(".event-zones").inner_text() == f"zones: {ZONE}"
    assert "ended: gone" in card.locator(".event-when").inner_text()
    assert "regions: [" in card.locator(".event-regions").inner_text()
    tab.wait_for_function(f"document.querySelector(\".event[data-id='{newest + 1}'] "
                          "img.snapshot\").naturalWidth === 320")
    played = tab.evaluate(f"""async () => {{
        const v = document.querySelector(".event[data-id='{newest + 1}'] video.clip");
        v.muted = true;
        await v.play();
        await new Promise(r => v.currentTime > 0.3 ? r() : v.addEventListener('timeupdate',
            () => v.currentTime > 0.3 && r()));
        return {{time: v.currentTime, ready: v.readyState, width: v.videoWidth,
                 duration: v.duration, error: v.error && v.error.code,
                 src: v.currentSrc}};
    }}""")
    assert played["error"] is None and played["ready"] >= 2 and played["time"] > 0.3
    assert played["width"] == 320 and played["src"].endswith(f"/media/clips/{newest + 1}.mp4")
    # filters: the zone (a user's name) and the camera select it; another time does not
    tab.select_option("#filter-zone", ZONE)
    tab.wait_for_function("document.querySelector('#event-count').textContent !== ''")
    assert tab.locator(f".event[data-id='{newest + 1}']").count() == 1
    tab.select_option("#filter-camera", CAMERA)
    tab.fill("#filter-until", "2000-01-01T00:00")
    tab.dispatch_event("#filter-until", "change")
    tab.wait_for_function("document.querySelectorAll('.event').length === 0")
    tab.fill("#filter-until", "")
    tab.dispatch_event("#filter-until", "change")
    tab.wait_for_selector(f".event[data-id='{newest + 1}']")
    screenshot(tab, "web-events.png")
    # export: the event's record, snapshots and clip in one zip
    with tab.expect_download() as download:
        card.locator("a.export").click()
    saved = tmp_path / "event.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = set(archive.namelist())
        record = json.loads(archive.read(f"event-{newest + 1}/event.json"))
    assert {f"event-{newest + 1}/clips/{newest + 1}.mp4",
            f"event-{newest + 1}/snapshots/{newest + 1}.jpg"} <= names
    assert record["id"] == newest + 1 and record["zones"] == [ZONE]
    # delete: the card goes, and the files with it
    clip = site["out"] / "clips" / f"{newest + 1}.mp4"
    assert clip.exists()
    tab.once("dialog", lambda dialog: dialog.accept())
    card.locator("button.delete").click()
    tab.wait_for_selector(f".event[data-id='{newest + 1}']", state="detached")
    assert not clip.exists()


def peak_fraction(tab, seconds: float) -> float:
    """The largest foreground fraction the tuning view shows within ``seconds``
    (someone crosses for 1.6 s of every 2.4 s)."""
    return tab.evaluate(f"""async () => {{
        let peak = 0;
        const end = Date.now() + {seconds * 1000};
        while (Date.now() < end) {{
            peak = Math.max(peak, Number(document.querySelector('#fraction').dataset.fraction));
            await new Promise(r => setTimeout(r, 100));
        }}
        return peak;
    }}""")


def test_a_slider_changes_the_mask_of_the_running_watch(open_page, site):
    tab = open_page("tune", "serve")  # the other process: the watch takes it from the files
    mask = frame_seq(tab, "#tune-mask")
    for name in ("frame", "background", "difference"):
        frame_seq(tab, f"#tune-{name}")
    assert tab.input_value("#threshold") == "24"
    assert peak_fraction(tab, 3) > 0.03  # the person is in the mask
    tab.wait_for_function("Number(document.querySelector('#fraction').dataset.fraction) > 0.03")
    tab.wait_for_timeout(500)  # the pictures of that status
    screenshot(tab, "web-tuning.png")
    tab.fill("#threshold", "200")
    tab.dispatch_event("#threshold", "input")
    tab.wait_for_function("document.querySelector('#tune-state').textContent"
                          ".startsWith('color_threshold 200')", timeout=10_000)
    assert peak_fraction(tab, 3) < 0.02  # hardly anyone differs that much
    assert int(tab.get_attribute("#tune-mask", "data-seq")) > mask
    tab.fill("#threshold", "24")
    tab.dispatch_event("#threshold", "input")
    tab.wait_for_function("document.querySelector('#tune-state').textContent"
                          ".startsWith('color_threshold 24')", timeout=10_000)
    assert "min_area" not in site["config"].read_text()  # applied, not saved


def test_a_zone_drawn_on_the_frame_is_saved_to_the_config(open_page, site):
    tab = open_page("zones")
    frame_seq(tab, "#zone-frame")
    box = tab.locator("#zone-frame").bounding_box()
    for fx, fy in ((0.05, 0.05), (0.5, 0.05), (0.5, 0.4), (0.05, 0.4)):
        tab.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    assert tab.locator("#zone-svg circle.draft-point").count() == 4
    name = "shelf <i>&"
    tab.fill("#zone-name", name)
    tab.click("#zone-save")
    tab.wait_for_function("[...document.querySelectorAll('#zone-list .zone-name')]"
                          f".some(e => e.textContent === {json.dumps(name)})", timeout=10_000)
    assert tab.locator("#zone-svg .zone").count() == 2
    screenshot(tab, "web-zones.png")
    (_, config), = load_cameras(site["config"])
    zones = {z.name: z.points for z in config.zones}
    assert set(zones) == {ZONE, name}
    xs = [x for x, _ in zones[name]]
    ys = [y for _, y in zones[name]]
    assert 12 <= min(xs) <= 20 and 156 <= max(xs) <= 164
    assert 8 <= min(ys) <= 16 and 92 <= max(ys) <= 100
    assert site["config"].read_text().startswith("# the cameras of the test\n")
