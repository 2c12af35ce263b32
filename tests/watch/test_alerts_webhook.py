"""Webhooks against a real HTTP receiver on 127.0.0.1: signed, with snapshots,
and exactly once while the receiver fails, goes down and watch restarts."""

from __future__ import annotations

import email.parser
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from alertkit import Receiver
from watchkit import empty_video, walk_video  # noqa: F401 - fixtures

from spotdiff.cli import main
from spotdiff.watch import WatchConfig, watch
from spotdiff.watch.alerts import AlertOptions

SECRET = "correct horse battery staple"


def _keys(out: Path) -> dict[str, dict]:
    """Every message the outbox holds (one webhook): key -> record."""
    db = sqlite3.connect(out / "events.db")
    rows = db.execute("SELECT event_id, kind, seq, payload FROM outbox").fetchall()
    db.close()
    return {f"{e}-{k}-{s}": json.loads(p) for e, k, s, p in rows}


def _spawn(video, out, *flags, realtime=True):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SPOTDIFF_WEBHOOK_SECRET": SECRET}
    return subprocess.Popen([sys.executable, "-m", "spotdiff", "watch", str(video), "-o",
                             str(out), "--json", "--no-clips", *flags,
                             *(["--realtime"] if realtime else [])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _first_start(proc) -> dict:
    for line in proc.stdout:
        record = json.loads(line)
        if record["type"] == "start":
            return record
    raise AssertionError("no start record: " + proc.stderr.read())


def test_exactly_once_through_failures_downtime_and_restarts(walk_video, empty_video,  # noqa: F811
                                                             tmp_path):
    """The receiver refuses its first 3 calls, then is down for 10 s while one
    watch is killed in the middle of an event and another is started on the
    same folder: every start and end arrives, each key once."""
    receiver = Receiver(fail_first=3, secret=SECRET).start()  # watch reads it from the
    out = tmp_path / "events"                                   # environment (_spawn)
    flags = ["--webhook", receiver.url, "--alert-retry", "0.2"]
    try:
        # 1. a whole run; the first 3 POSTs are refused and retried
        with _spawn(walk_video, out, *flags, realtime=False) as first:
            assert first.wait(timeout=120) == 1, first.stderr.read()
            assert "failed (ConnectionError: HTTP 500" in first.stderr.read()
        # 2. the receiver goes down; a watch is killed (kill -9) during an event
        receiver.stop()
        down = time.monotonic()
        with _spawn(walk_video, out, *flags) as killed:
            started = _first_start(killed)
            time.sleep(1.0)
            killed.kill()
            killed.wait(timeout=30)
        # 3. restarted on the same folder while the receiver is still down: the
        #    killed run's event is closed 'interrupted'; one more event happens
        with _spawn(walk_video, out, *flags) as restarted:
            time.sleep(max(0.0, 10.0 - (time.monotonic() - down)))
            receiver.start()  # 4. back after 10 s, while the restarted watch runs
            assert restarted.wait(timeout=120) == 1, restarted.stderr.read()
        # 5. whatever the restarted run could not send goes with the next start
        with _spawn(empty_video, out, *flags, realtime=False) as last:
            assert last.wait(timeout=120) == 0, last.stderr.read()
    finally:
        receiver.stop()
    sent = _keys(out)
    starts_ends = {k for k in sent if "-update-" not in k}
    interrupted = f"{started['event_id']}-end-"
    assert any(k.startswith(interrupted) and sent[k]["reason"] == "interrupted" for k in sent)
    assert len({r["event_id"] for r in sent.values()}) == 3  # one event per walk run
    assert len(starts_ends) == 6
    delivered = set(receiver.taken)
    lost = set(sent) - delivered
    duplicates = sum(receiver.duplicates.values())
    print(f"\nwebhook exactly-once: messages {len(sent)} (starts and ends {len(starts_ends)}), "
          f"delivered {len(delivered & set(sent))}, duplicate {duplicates}, lost {len(lost)}; "
          f"receiver calls {receiver.calls}, refused {receiver.refused}")
    assert lost == set() and delivered == set(sent)
    assert duplicates == 0
    assert receiver.refused == 3 and receiver.bad_signatures == 0
    for key, record in sent.items():  # what arrived is the --json record and its key
        assert receiver.taken[key] == {**record, "idempotency_key": key}
    db = sqlite3.connect(out / "events.db")
    assert db.execute("SELECT count(*) FROM delivery WHERE delivered_at IS NULL"
                      ).fetchone()[0] == 0
    db.close()


def test_two_webhooks_signed_with_snapshot_links(walk_video, tmp_path):  # noqa: F811
    one, two = Receiver(secret=SECRET).start(), Receiver(secret=SECRET).start()
    try:
        result = watch(walk_video, WatchConfig(clips=False), out_dir=tmp_path,
                       alerts=AlertOptions(webhooks=(one.url, two.url), webhook_secret=SECRET,
                                           webhook_snapshot="link",
                                           snapshot_url="http://cams.example/door/",
                                           retry=0.1))
    finally:
        one.stop()
        two.stop()
    (end,) = result.events
    keys = set(_keys(tmp_path))
    assert set(one.taken) == set(two.taken) == keys
    assert one.bad_signatures == two.bad_signatures == 0
    assert not one.duplicates and not two.duplicates
    last = one.taken[max(keys, key=lambda k: int(k.rsplit("-", 1)[1]))]
    assert last["type"] == "end" and last["event_id"] == end["event_id"]
    assert last["snapshot_url"] == f"http://cams.example/door/snapshots/{end['event_id']}.jpg"
    headers, _ = one.requests[0]
    assert headers["User-Agent"].startswith("spotdiff/")


def test_snapshot_attached(walk_video, tmp_path):  # noqa: F811
    receiver = Receiver(secret=SECRET).start()
    try:
        watch(walk_video, WatchConfig(clips=False), out_dir=tmp_path,
              alerts=AlertOptions(webhooks=(receiver.url,), webhook_secret=SECRET,
                                  webhook_snapshot="attach", retry=0.1))
    finally:
        receiver.stop()
    assert receiver.taken and receiver.bad_signatures == 0  # signed over the whole body
    for headers, body in receiver.requests:
        message = email.parser.BytesParser().parsebytes(
            f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body)
        event, snapshot = message.get_payload()
        assert event.get_param("name", header="content-disposition") == "event"
        record = json.loads(event.get_payload(decode=True))
        assert record["idempotency_key"] == headers["Idempotency-Key"]
        assert snapshot.get_content_type() == "image/jpeg"
        picture = cv2.imdecode(np.frombuffer(snapshot.get_payload(decode=True), np.uint8),
                               cv2.IMREAD_COLOR)
        assert picture.shape == (120, 160, 3)


@pytest.mark.parametrize("flags, says", [
    (["--webhook", "ftp://127.0.0.1/hook"], "expected an http:// or https:// URL, got "
                                             "scheme 'ftp'"),
    (["--webhook", "http:///hook"], "got no host"),
    (["--webhook", "127.0.0.1:8000/hook"], "expected an http:// or https:// URL"),
    (["--webhook", "http://127.0.0.1:99999/"], "expected an http:// or https:// URL"),
    (["--webhook-secret", "s"], "expected a webhook URL to go with them"),
    (["--webhook", "http://h/", "--snapshot-url", "http://x/"], "add --webhook-snapshot link"),
])
def test_bad_webhook_flags_are_one_line(flags, says, walk_video, tmp_path):  # noqa: F811
    out, err = io.StringIO(), io.StringIO()
    code = main(["watch", walk_video, "-o", str(tmp_path / "events"), *flags],
                stdout=out, stderr=err)
    assert code == 2
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("spotdiff: error:")
    assert says in err.getvalue()
    assert not (tmp_path / "events").exists()  # nothing written


def test_alerts_need_an_output_folder(walk_video):  # noqa: F811
    err = io.StringIO()
    assert main(["watch", walk_video, "--webhook", "http://127.0.0.1:9/"],
                stdout=io.StringIO(), stderr=err) == 2
    assert "expected -o DIR with them" in err.getvalue()


def test_a_receiver_that_never_answers_does_not_hold_the_loop(walk_video, tmp_path):  # noqa: F811
    """A server that takes the connection and never answers: watch still sees
    every event, and the messages wait in the outbox."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections are taken by the kernel, never answered
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        result = watch(walk_video, WatchConfig(clips=False), out_dir=tmp_path,
                       alerts=AlertOptions(webhooks=(url,), timeout=0.5, retry=0.1, drain=0.5))
    assert [e["reason"] for e in result.events] == ["gone"]
    db = sqlite3.connect(tmp_path / "events.db")
    pending, error = db.execute("SELECT count(*), max(last_error) FROM delivery "
                                "WHERE delivered_at IS NULL").fetchone()
    db.close()
    assert pending == len(_keys(tmp_path)) > 0 and "timed out" in error


def test_several_cameras_one_outbox(walk_video, tmp_path):  # noqa: F811
    (tmp_path / "cams.toml").write_text(f'[cameras.door]\nsource = "{walk_video}"\n'
                                        f'[cameras.yard]\nsource = "{walk_video}"\n')
    receiver = Receiver().start()
    try:
        code = main(["watch", "--config", str(tmp_path / "cams.toml"), "-o",
                     str(tmp_path / "ev"), "--no-clips", "--json", "--webhook", receiver.url],
                    stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        receiver.stop()
    assert code == 1
    assert set(receiver.taken) == set(_keys(tmp_path / "ev"))
    ends = [r for r in receiver.taken.values() if r["type"] == "end"]
    assert sorted(r["camera"] for r in ends) == ["door", "yard"]
