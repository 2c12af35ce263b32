"""The outbox in the events database: written with the event, or not at all."""

from __future__ import annotations

import json
import logging
import sqlite3

from spotdiff.watch.alerts import outbox
from spotdiff.watch.store import MIGRATIONS, SCHEMA_VERSION, Store
from spotdiff.watch.track import Event

TARGETS = {"webhook http://127.0.0.1:9/hook": outbox.KINDS, "exec true": frozenset({"end"})}


def _record(kind, event, frame):
    return {"type": kind, "event_id": event.id, "camera": event.camera, "frame": frame,
            "time": frame / 25, "regions": [{"bbox": [1, 2, 3, 4], "area": 4}]}


def _event(store):
    event_id = store.new_event_id("door")
    return Event(event_id, "door", 10, 0.4, 12, 0.48)


def test_messages_keys_and_targets(tmp_path):
    store = Store(tmp_path, targets=TARGETS)
    event = _event(store)
    store.record("start", event, 12, 0.48, [], _record("start", event, 12))
    store.record("update", event, 40, 1.6, [], _record("update", event, 40))
    event.end_frame, event.end_time, event.reason = 60, 2.4, "gone"
    store.close(event, {**_record("end", event, 60), "reason": "gone"})
    web = outbox.pending(store.db, "webhook http://127.0.0.1:9/hook")
    assert [m.key for m in web] == [f"{event.id}-start-0", f"{event.id}-update-1",
                                    f"{event.id}-end-2"]
    assert web[0].body() == {**_record("start", event, 12),
                             "idempotency_key": f"{event.id}-start-0"}
    (end,) = outbox.pending(store.db, "exec true")  # the command takes ends only
    assert end.key == f"{event.id}-end-2" and end.record["reason"] == "gone"
    outbox.delivered(store.db, "exec true", end)
    assert outbox.pending(store.db, "exec true") == []
    assert outbox.counts(store.db) == {"exec true": {"delivered": 1, "pending": 0},
                                       "webhook http://127.0.0.1:9/hook":
                                           {"delivered": 0, "pending": 3}}
    store.purge(older_than=0.0, now=1e12)  # a purged event takes its messages along
    assert store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM delivery").fetchone()[0] == 0
    store.close_db()


def test_no_targets_no_messages(tmp_path):
    store = Store(tmp_path)
    event = _event(store)
    store.record("start", event, 12, 0.48, [], _record("start", event, 12))
    assert store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    store.close_db()


def test_event_and_message_are_one_transaction(tmp_path, caplog):
    """When the message cannot be written, neither is the event's change."""
    store = Store(tmp_path, targets=TARGETS)
    event = _event(store)
    store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON outbox "
                     "BEGIN SELECT RAISE(ABORT, 'no room'); END")
    with caplog.at_level(logging.ERROR, "spotdiff.watch"):
        store.record("start", event, 12, 0.48, [], _record("start", event, 12))
    assert "cannot save an event" in caplog.text and "no room" in caplog.text
    row = store.db.execute("SELECT start_frame FROM events WHERE id=?", (event.id,)).fetchone()
    assert row[0] is None  # rolled back with the message
    assert store.db.execute("SELECT count(*) FROM timeline").fetchone()[0] == 0
    store.db.execute("DROP TRIGGER refuse")
    store.record("start", event, 12, 0.48, [], _record("start", event, 12))
    assert store.db.execute("SELECT start_frame FROM events").fetchone()[0] == 10
    assert len(outbox.pending(store.db, "webhook http://127.0.0.1:9/hook")) == 1
    store.close_db()


def test_recovery_queues_the_end_a_killed_process_could_not_send(tmp_path):
    store = Store(tmp_path, targets=TARGETS)
    event = _event(store)
    store.record("start", event, 12, 0.48, [{"bbox": [1, 2, 3, 4], "area": 4}],
                 _record("start", event, 12))
    store.close_db()  # as if killed
    again = Store(tmp_path, targets=TARGETS)
    assert again.recover() == [event.id]
    (end,) = outbox.pending(again.db, "exec true")
    assert end.key == f"{event.id}-end-1"
    assert end.record == {"type": "end", "event_id": event.id, "camera": "door", "frame": 12,
                          "time": 0.48, "regions": [{"bbox": [1, 2, 3, 4], "area": 4}],
                          "start_frame": 10, "end_frame": 12, "start_time": 0.4,
                          "reason": "interrupted", "zones": [], "peak_area": 0,
                          "snapshot": None, "clip": None}
    again.close_db()


def test_a_version_1_database_is_migrated(tmp_path):
    db = sqlite3.connect(tmp_path / "events.db")
    db.executescript(f"BEGIN;{MIGRATIONS[0]}PRAGMA user_version=1;COMMIT;")
    db.execute("INSERT INTO events (camera, start_frame, created_at) VALUES ('door', 5, 0)")
    db.commit()
    db.close()
    store = Store(tmp_path, targets=TARGETS)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert json.dumps(store.events()[0]["zones"]) == "[]"
    assert outbox.counts(store.db) == {}
    store.close_db()
