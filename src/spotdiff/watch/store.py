"""The event store: one SQLite file (WAL) beside the snapshots and clips.

``DIR/events.db`` holds the events, their timeline and the camera status
(camera events and the global-change guard's decisions); ``DIR/snapshots``
and ``DIR/clips`` hold the pictures and videos the rows point at (paths
relative to ``DIR``), and ``DIR/events/<id>.json`` a sidecar per event from
which the database can be rebuilt. Each start, update and end of an event
also writes a message to the ``outbox`` (one ``delivery`` row per alert
target that wants it) in the same transaction as the event's row, so the
deliverers (:mod:`spotdiff.watch.alerts`) lose nothing when a receiver is
down or the process stops. The schema is versioned
(``PRAGMA user_version``) and migrated forward on open. Events left open by a
killed process are closed as ``interrupted`` the next time the store opens.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sqlite3
import time as wallclock
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from spotdiff.watch.alerts import outbox
from spotdiff.watch.track import Event

log = logging.getLogger("spotdiff.watch")

#: Schema migrations: entry k takes the database from version k to k + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        camera TEXT NOT NULL,
        start_frame INTEGER, start_time REAL,
        last_frame INTEGER, last_time REAL,
        end_frame INTEGER, end_time REAL, reason TEXT,
        zones TEXT NOT NULL DEFAULT '[]', peak_area INTEGER NOT NULL DEFAULT 0,
        best_frame INTEGER,
        snapshot TEXT, frame_image TEXT, crop TEXT, clip TEXT,
        created_at REAL NOT NULL, ended_at REAL
    );
    CREATE TABLE timeline (
        event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, frame INTEGER NOT NULL, time REAL NOT NULL,
        regions TEXT NOT NULL
    );
    CREATE INDEX timeline_event ON timeline(event_id);
    CREATE TABLE camera_status (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        camera TEXT NOT NULL, kind TEXT NOT NULL,
        frame INTEGER, time REAL, detail TEXT NOT NULL DEFAULT '', wall REAL NOT NULL
    );
    """,
    outbox.SCHEMA,
]

SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (and migrate) an events database."""
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        from spotdiff.errors import InputError

        raise InputError(f"events database '{path}'",
                         expected=f"schema version <= {SCHEMA_VERSION}",
                         got=f"version {version}", fix="upgrade spotdiff")
    for k in range(version, SCHEMA_VERSION):
        db.executescript(f"BEGIN;{MIGRATIONS[k]}PRAGMA user_version={k + 1};COMMIT;")
    return db


class Store:
    """Events of one or more cameras in ``out_dir`` (None: in memory, no files).

    ``targets`` maps each alert target's name to the message kinds it takes
    (``start``, ``update``, ``end``); their messages go to the outbox.
    """

    def __init__(self, out_dir: str | os.PathLike | None,
                 targets: Mapping[str, frozenset[str]] | None = None) -> None:
        self.targets = dict(targets or {})
        self.root = None if out_dir is None else Path(out_dir)
        if self.root is not None:
            for sub in ("snapshots", "clips", "events"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.db = connect(":memory:" if self.root is None else self.root / "events.db")
        self._warned: set[str] = set()

    # -- writing ------------------------------------------------------------------------------
    def _write(self, what: str, sql: str, args: tuple = ()) -> sqlite3.Cursor | None:
        try:
            return self.db.execute(sql, args)
        except (sqlite3.OperationalError, OSError) as exc:  # disk full, read-only, locked
            self.warn(what, exc)
            return None

    @contextlib.contextmanager
    def _atomic(self, what: str) -> Iterator[sqlite3.Connection]:
        """One transaction: everything written inside it is saved, or nothing."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except (sqlite3.DatabaseError, OSError) as exc:  # disk full, read-only, locked
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            self.warn(what, exc)

    def warn(self, what: str, exc: BaseException) -> None:
        """One log line per kind of failure; detection goes on."""
        if what not in self._warned:
            self._warned.add(what)
            log.error("spotdiff watch: cannot save %s (%s); detection goes on", what, exc)

    def new_event_id(self, camera: str) -> int:
        cur = self._write("an event", "INSERT INTO events (camera, created_at) VALUES (?, ?)",
                          (camera, wallclock.time()))
        if cur is None:  # cannot write: ids still unique within this run
            self._fallback = getattr(self, "_fallback", 1_000_000_000) + 1
            return self._fallback
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def record(self, kind: str, event: Event, frame: int, time: float,
               regions: list[dict[str, Any]], message: dict[str, Any] | None = None) -> None:
        """A start or update of an open event: its row, a timeline entry and
        ``message`` (the record sent to the alert targets), in one transaction."""
        with self._atomic("an event") as db:
            db.execute("UPDATE events SET start_frame=?, start_time=?, last_frame=?, "
                       "last_time=?, zones=?, peak_area=?, best_frame=?, snapshot=?, "
                       "frame_image=?, crop=? WHERE id=?",
                       (event.start_frame, event.start_time, event.last_frame, event.last_time,
                        json.dumps(sorted(event.zones)), event.peak_area, event.best_frame,
                        event.snapshot, event.frame_image, event.crop, event.id))
            db.execute("INSERT INTO timeline VALUES (?, ?, ?, ?, ?)",
                       (event.id, kind, frame, time, json.dumps(regions)))
            if message is not None:
                outbox.add(db, self.targets, message)

    def close(self, event: Event, message: dict[str, Any] | None = None) -> None:
        """An ended event: its final row and ``message`` (the end record sent to
        the alert targets) in one transaction, then its sidecar."""
        with self._atomic("an event") as db:
            db.execute("UPDATE events SET start_frame=?, start_time=?, last_frame=?, "
                       "last_time=?, end_frame=?, end_time=?, reason=?, zones=?, peak_area=?, "
                       "best_frame=?, snapshot=?, frame_image=?, crop=?, clip=?, ended_at=? "
                       "WHERE id=?",
                       (event.start_frame, event.start_time, event.last_frame, event.last_time,
                        event.end_frame, event.end_time, event.reason,
                        json.dumps(sorted(event.zones)), event.peak_area, event.best_frame,
                        event.snapshot, event.frame_image, event.crop, event.clip,
                        wallclock.time(), event.id))
            if message is not None:
                outbox.add(db, self.targets, message)
        self.write_sidecar(event.id)

    def camera(self, camera: str, kind: str, frame: int | None, time: float | None,
               detail: str = "") -> None:
        self._write("the camera status", "INSERT INTO camera_status (camera, kind, frame, time, "
                    "detail, wall) VALUES (?, ?, ?, ?, ?, ?)",
                    (camera, kind, frame, time, detail, wallclock.time()))

    def write_sidecar(self, event_id: int) -> None:
        if self.root is None:
            return
        row = self.event(event_id)
        if row is None:
            return
        from spotdiff.io.write import write_json

        try:
            write_json(self.root / "events" / f"{event_id}.json", row)
        except OSError as exc:
            self.warn("a sidecar", exc)

    # -- recovery and retention ------------------------------------------------------------
    def recover(self) -> list[int]:
        """Close events a killed process left open as ``interrupted`` (what was saved stays)."""
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM events WHERE reason IS NULL AND start_frame IS NOT NULL")]
        for event_id in ids:
            with self._atomic("an event") as db:
                db.execute("UPDATE events SET reason='interrupted', "
                           "end_frame=last_frame, end_time=last_time, ended_at=? WHERE id=?",
                           (wallclock.time(), event_id))
                if self.targets:  # the end the killed process could not send
                    outbox.add(db, self.targets, self.end_record(event_id))
            self.write_sidecar(event_id)
        # an id taken by a process killed before its event started is no event
        self._write("an event", "DELETE FROM events WHERE start_frame IS NULL")
        if self.root is not None:  # clips cut short do not play (an MP4 needs its index)
            for part in (self.root / "clips").glob("*.part"):
                part.unlink(missing_ok=True)
        return ids

    def purge(self, *, older_than: float | None = None, max_bytes: int | None = None,
              free_reserve: int = 0, now: float | None = None) -> list[int]:
        """Delete ended events (rows and files), oldest first: those older than
        ``older_than`` seconds, then more until the files take at most
        ``max_bytes`` and the disk keeps ``free_reserve`` bytes free."""
        now = wallclock.time() if now is None else now
        rows = self.db.execute("SELECT id, created_at FROM events WHERE reason IS NOT NULL "
                               "ORDER BY created_at, id").fetchall()
        sizes = {r["id"]: sum(self._size(p) for p in self.files(r["id"])) for r in rows}
        total = sum(sizes.values())
        free = shutil.disk_usage(self.root).free if self.root is not None else 1 << 62
        gone = []
        for r in rows:
            old = older_than is not None and now - r["created_at"] > older_than
            big = max_bytes is not None and total > max_bytes
            short = free < free_reserve
            if not (old or big or short):
                continue
            self.delete(r["id"])
            total -= sizes[r["id"]]
            free += sizes[r["id"]]
            gone.append(r["id"])
        return gone

    def delete(self, event_id: int) -> None:
        """Delete one event: its files, then its rows."""
        for path in self.files(event_id):
            path.unlink(missing_ok=True)
        self._write("an event", "DELETE FROM timeline WHERE event_id=?", (event_id,))
        self._write("an event", "DELETE FROM events WHERE id=?", (event_id,))

    @staticmethod
    def _size(path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:
            return 0

    def files(self, event_id: int) -> list[Path]:
        """The files of one event (snapshots, clip, sidecar) that exist."""
        if self.root is None:
            return []
        row = self.db.execute("SELECT snapshot, frame_image, crop, clip FROM events WHERE id=?",
                              (event_id,)).fetchone()
        names = [n for n in (row or ()) if n] + [f"events/{event_id}.json"]
        return [self.root / n for n in names if (self.root / n).exists()]

    def rebuild(self) -> int:
        """Insert the events of the sidecars (``events/<id>.json``) that the
        database lacks; returns how many (the files are the backup)."""
        if self.root is None:
            return 0
        added = 0
        columns = [r[1] for r in self.db.execute("PRAGMA table_info(events)")]
        for path in sorted((self.root / "events").glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                self.warn(f"the sidecar {path.name}", exc)
                continue
            if self.db.execute("SELECT 1 FROM events WHERE id=?", (data.get("id"),)).fetchone():
                continue
            row = {k: data.get(k) for k in columns}
            row["zones"] = json.dumps(row["zones"] or [])
            row["created_at"] = row["created_at"] or 0.0
            self.db.execute("BEGIN")
            self.db.execute(f"INSERT INTO events ({', '.join(row)}) VALUES "
                            f"({', '.join('?' * len(row))})", tuple(row.values()))
            for t in data.get("timeline", []):
                self.db.execute("INSERT INTO timeline VALUES (?, ?, ?, ?, ?)",
                                (row["id"], t["kind"], t["frame"], t["time"],
                                 json.dumps(t["regions"])))
            self.db.execute("COMMIT")
            added += 1
        return added

    # -- reading -----------------------------------------------------------------------------
    def end_record(self, event_id: int) -> dict[str, Any]:
        """The ``end`` record (the ``--json`` line) of an ended event, from its row."""
        row = self.db.execute("SELECT * FROM events WHERE id=?", (event_id,)).fetchone()
        last = self.db.execute("SELECT regions FROM timeline WHERE event_id=? "
                               "ORDER BY rowid DESC LIMIT 1", (event_id,)).fetchone()

        def path(name: str | None) -> str | None:
            return None if self.root is None or name is None else str(self.root / name)

        return {"type": "end", "event_id": event_id, "camera": row["camera"],
                "frame": row["end_frame"], "time": round(row["end_time"], 3),
                "regions": json.loads(last[0]) if last else [],
                "start_frame": row["start_frame"], "end_frame": row["end_frame"],
                "start_time": round(row["start_time"], 3), "reason": row["reason"],
                "zones": json.loads(row["zones"]), "peak_area": row["peak_area"],
                "snapshot": path(row["snapshot"]), "clip": path(row["clip"])}

    def event(self, event_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM events WHERE id=?", (event_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["zones"] = json.loads(out["zones"])
        out["timeline"] = [
            {"kind": t["kind"], "frame": t["frame"], "time": t["time"],
             "regions": json.loads(t["regions"])}
            for t in self.db.execute("SELECT * FROM timeline WHERE event_id=? ORDER BY rowid",
                                     (event_id,))]
        return out

    def events(self, camera: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events WHERE start_frame IS NOT NULL"
        args: tuple = ()
        if camera is not None:
            sql += " AND camera=?"
            args = (camera,)
        rows = []
        for row in self.db.execute(sql + " ORDER BY id", args):
            out = dict(row)
            out["zones"] = json.loads(out["zones"])
            rows.append(out)
        return rows

    def camera_status(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM camera_status ORDER BY id")]

    def close_db(self) -> None:
        self.db.close()
