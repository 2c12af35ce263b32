"""The outbox: messages waiting for each alert target, in the events database.

A message is the record ``spotdiff watch --json`` prints for an event's
start, update or end. The store adds it in the same transaction as the
event's row (:func:`add`), with one ``delivery`` row for each target that
takes its kind; a deliverer reads its target's undelivered rows in order
(:func:`pending`) and marks each one delivered once the receiver took it
(:func:`delivered`). A message's idempotency key is its event id, kind and
sequence number within the event (``"12-start-0"``, ``"12-update-1"``,
``"12-end-5"``): the same message sent twice carries the same key.
"""

from __future__ import annotations

import json
import sqlite3
import time as wallclock
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The tables, as a migration of the events database (see ``store.MIGRATIONS``).
SCHEMA = """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, seq INTEGER NOT NULL, camera TEXT NOT NULL,
        payload TEXT NOT NULL, created_at REAL NOT NULL,
        UNIQUE (event_id, seq)
    );
    CREATE TABLE delivery (
        outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, delivered_at REAL,
        PRIMARY KEY (target, outbox_id)
    );
    CREATE INDEX delivery_pending ON delivery(target, outbox_id) WHERE delivered_at IS NULL;
    """

#: Message kinds, in the order an event has them.
KINDS = frozenset({"start", "update", "end"})


@dataclass(frozen=True)
class Message:
    """One outbox row: ``record`` is the ``--json`` line of the event's change."""

    id: int
    event_id: int
    kind: str
    seq: int
    camera: str
    record: dict[str, Any]

    @property
    def key(self) -> str:
        """The idempotency key: event id, kind and sequence (``"12-end-5"``)."""
        return f"{self.event_id}-{self.kind}-{self.seq}"

    def body(self) -> dict[str, Any]:
        """The record with its idempotency key, as receivers get it."""
        return {**self.record, "idempotency_key": self.key}


def add(db: sqlite3.Connection, targets: Mapping[str, frozenset[str]],
        record: dict[str, Any]) -> None:
    """Queue ``record`` (a start, update or end) for the targets that take its kind;
    run inside the transaction that writes the event's row."""
    kind = record["type"]
    wanted = [name for name, kinds in targets.items() if kind in kinds]
    if not wanted:
        return
    event_id = record["event_id"]
    seq = db.execute("SELECT count(*) FROM outbox WHERE event_id=?", (event_id,)).fetchone()[0]
    cur = db.execute("INSERT INTO outbox (event_id, kind, seq, camera, payload, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (event_id, kind, seq, record["camera"], json.dumps(record),
                      wallclock.time()))
    db.executemany("INSERT INTO delivery (outbox_id, target) VALUES (?, ?)",
                   [(cur.lastrowid, name) for name in wanted])


def pending(db: sqlite3.Connection, target: str, limit: int = 50) -> list[Message]:
    """The oldest messages not yet delivered to ``target``, oldest first."""
    rows = db.execute("SELECT o.* FROM delivery d JOIN outbox o ON o.id = d.outbox_id "
                      "WHERE d.target=? AND d.delivered_at IS NULL ORDER BY d.outbox_id "
                      "LIMIT ?", (target, limit)).fetchall()
    return [Message(r["id"], r["event_id"], r["kind"], r["seq"], r["camera"],
                    json.loads(r["payload"])) for r in rows]


def delivered(db: sqlite3.Connection, target: str, message: Message) -> None:
    db.execute("UPDATE delivery SET delivered_at=?, attempts=attempts+1 "
               "WHERE target=? AND outbox_id=?", (wallclock.time(), target, message.id))


def failed(db: sqlite3.Connection, target: str, message: Message, error: str) -> None:
    db.execute("UPDATE delivery SET attempts=attempts+1, last_error=? "
               "WHERE target=? AND outbox_id=?", (error, target, message.id))


def counts(db: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Per target: how many messages were delivered and how many wait."""
    out: dict[str, dict[str, int]] = {}
    for r in db.execute("SELECT target, count(delivered_at), count(*) - count(delivered_at) "
                        "FROM delivery GROUP BY target ORDER BY target"):
        out[r[0]] = {"delivered": r[1], "pending": r[2]}
    return out
