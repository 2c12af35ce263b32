"""The page's server for real on localhost: the token when bound beyond this
machine, the refusals without it, and the command line's one-line errors."""

from __future__ import annotations

import json

import pytest
from web_servers import Process, get

from spotdiff.watch.store import Store

pytest.importorskip("starlette", reason="the 'web' extra is not installed")


@pytest.fixture
def folder(tmp_path):
    Store(tmp_path / "out").close_db()  # an empty watch folder
    return tmp_path / "out"


@pytest.fixture
def server(folder):
    from spotdiff.web.server import WebServer

    started = []

    def start(bind: str = "127.0.0.1:0", token: str | None = None) -> WebServer:
        web = WebServer(folder, bind, token)
        web.start()
        started.append(web)
        return web

    yield start
    for web in started:
        web.stop()


def base(web) -> str:
    return f"http://127.0.0.1:{web.socket.getsockname()[1]}"


def test_bound_beyond_loopback_a_token_is_made_printed_and_required(folder, tmp_path,
                                                                    monkeypatch):
    monkeypatch.delenv("SPOTDIFF_TOKEN", raising=False)
    serve = Process("serve", "-o", folder, "--bind", "0.0.0.0:0", cwd=tmp_path)
    try:
        assert "?token=" in serve.url
        token = serve.url.split("?token=")[1]
        assert len(token) >= 20
        status, _, body = get(f"{serve.base}/api/cameras")
        assert status == 401 and b"token is required" in body
        assert get(f"{serve.base}/")[0] == 401
        assert get(f"{serve.base}/api/events",
                   {"Authorization": "Bearer wrong"})[0] == 401
        status, _, body = get(f"{serve.base}/api/events",
                              {"Authorization": f"Bearer {token}"})
        assert status == 200 and json.loads(body)["events"] == []
        # the printed link: the token becomes a cookie, and leaves the address
        status, headers, _ = get(f"{serve.base}/?token={token}")
        assert status == 303 and headers["location"] == f"{serve.base}/"
        cookie = headers["set-cookie"].split(";")[0]
        assert "HttpOnly" in headers["set-cookie"]
        assert get(f"{serve.base}/", {"Cookie": cookie})[0] == 200
    finally:
        assert serve.stop() == 130


def test_a_given_token_is_required_on_loopback_too(server, monkeypatch):
    monkeypatch.setenv("SPOTDIFF_TOKEN", "s3cret-token")
    web = server()
    assert web.url.endswith("?token=s3cret-token")
    assert get(f"{base(web)}/api/cameras")[0] == 401
    assert get(f"{base(web)}/api/cameras", {"Authorization": "Bearer s3cret-token"})[0] == 200


def test_without_a_token_only_loopback_names_and_page_requests(server, monkeypatch):
    monkeypatch.delenv("SPOTDIFF_TOKEN", raising=False)
    web = server()
    assert "token" not in web.url
    assert get(f"{base(web)}/api/cameras")[0] == 200
    # a page of another site reaching this port through its own name (DNS rebinding)
    assert get(f"{base(web)}/api/cameras", {"Host": "evil.example:80"})[0] == 403
    # a change without the page's header (a form of another site cannot send it)
    status, _, _ = get(f"{base(web)}/api/cameras/x/tuning", method="POST", data=b"{}")
    assert status == 403
    status, _, body = get(f"{base(web)}/api/cameras/x/tuning", method="POST", data=b"{}",
                          headers={"X-Requested-With": "spotdiff"})
    assert status == 400 and b"camera 'x'" in body
    assert get(f"{base(web)}/media/events/1.json")[0] == 404  # only snapshots and clips
    assert get(f"{base(web)}/media/clips/..%2Fevents.db")[0] == 404
    assert get(f"{base(web)}/api/cameras/x/status.json")[0] == 404


@pytest.mark.parametrize("argv, words", [
    (["serve", "-o", "{tmp}/nowhere"], "expected the output folder of a watch"),
    (["serve", "-o", "{tmp}", "--bind", "localhost"], "expected HOST:PORT"),
    (["serve", "-o", "{tmp}", "--bind", "127.0.0.1:99999"], "expected HOST:PORT"),
    (["serve", "-o", "{tmp}", "--bind", "192.0.2.1:0"], "an address this machine can listen on"),
    (["watch", "{tmp}/v.mp4", "--serve", "127.0.0.1:0"], "expected an output folder (-o DIR)"),
])
def test_bad_addresses_and_folders_are_one_line(cli, tmp_path, argv, words):
    code, out, err = cli(*[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_busy_port_is_one_line(cli, server, tmp_path):
    web = server()
    code, _, err = cli("serve", "-o", str(tmp_path), "--bind",
                       f"127.0.0.1:{web.socket.getsockname()[1]}")
    assert code == 2 and "Address already in use" in err and err.count("\n") == 1


def test_an_open_event_is_not_deleted_and_an_ended_one_goes_with_its_files(server, folder):
    from spotdiff.watch.track import Event

    store = Store(folder)
    event = Event(store.new_event_id("door"), "door", 5, 0.2, 9, 0.36)
    store.record("start", event, 9, 0.36, [{"bbox": [0, 0, 4, 4], "area": 16}])
    web = server()
    headers = {"X-Requested-With": "spotdiff"}
    url = f"{base(web)}/api/events/{event.id}"
    status, _, body = get(url, headers, method="DELETE")
    assert status == 409 and b"still open" in body
    snapshot = folder / "snapshots" / f"{event.id}.jpg"
    snapshot.write_bytes(b"\xff\xd8picture")
    event.snapshot, event.end_frame, event.end_time, event.reason = \
        f"snapshots/{event.id}.jpg", 9, 0.36, "gone"
    store.close(event)
    store.close_db()
    (listed,) = json.loads(get(f"{base(web)}/api/events?camera=door")[2])["events"]
    assert listed["regions"] == [{"bbox": [0, 0, 4, 4], "area": 16}]
    assert get(f"{base(web)}/media/snapshots/{event.id}.jpg")[2] == b"\xff\xd8picture"
    assert get(url, headers, method="DELETE")[0] == 200
    assert not snapshot.exists() and not (folder / "events" / f"{event.id}.json").exists()
    assert json.loads(get(f"{base(web)}/api/events")[2])["events"] == []
    assert get(url, headers, method="DELETE")[0] == 404


def test_settings_of_a_watch_without_config_apply_but_are_not_saved(server, folder):
    from spotdiff.web import live

    key = live.camera_key("door")
    (folder / "live" / key).mkdir(parents=True)
    (folder / "live" / key / "status.json").write_text(json.dumps(
        {"camera": "door", "wall": 0, "config_file": None, "threshold_option": None}))
    web = server()
    headers = {"X-Requested-With": "spotdiff", "Content-Type": "application/json"}
    body = json.dumps({"min_area": 30, "threshold": None, "zones": []}).encode()
    status, _, answer = get(f"{base(web)}/api/cameras/{key}/save", headers, "POST", body)
    assert status == 409 and b"without --config" in answer
    assert not (folder / "live" / key / "tuning.json").exists()
    status, _, _ = get(f"{base(web)}/api/cameras/{key}/tuning", headers, "POST", body)
    assert status == 200
    assert json.loads((folder / "live" / key / "tuning.json").read_text())["min_area"] == 30
    bad = json.dumps({"min_area": 0, "zones": []}).encode()
    status, _, answer = get(f"{base(web)}/api/cameras/{key}/tuning", headers, "POST", bad)
    assert status == 400 and b"'min_area'" in answer
