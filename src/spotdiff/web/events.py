"""The events list of the page: rows of the events database, filtered, with their media."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spotdiff.errors import InputError

#: Most events one request returns (newest first).
LIMIT = 200


def _time(params: Mapping[str, str], key: str) -> float | None:
    text = params.get(key)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"'{key}'", expected="a time in Unix seconds", got=repr(text))
    return value


def query(root: str | Path, params: Mapping[str, str]) -> dict[str, Any]:
    """``{"events": [...], "cameras": [...], "zones": [...]}``: the events of
    ``root``'s database, newest first, filtered by ``camera``, ``zone`` (an event
    that entered it), ``since`` / ``until`` (Unix seconds of the event's start),
    each with its last regions; and every camera and zone name, for the filters."""
    from spotdiff.watch.store import Store

    since, until = _time(params, "since"), _time(params, "until")
    sql = "SELECT * FROM events WHERE start_frame IS NOT NULL"
    args: list[Any] = []
    if params.get("camera"):
        sql += " AND camera=?"
        args.append(params["camera"])
    if since is not None:
        sql += " AND created_at>=?"
        args.append(since)
    if until is not None:
        sql += " AND created_at<=?"
        args.append(until)
    zone = params.get("zone") or None
    store = Store(root)
    try:
        rows = []
        for row in store.db.execute(sql + " ORDER BY id DESC", args):
            event = dict(row)
            event["zones"] = json.loads(event["zones"])
            if zone is not None and zone not in event["zones"]:
                continue
            last = store.db.execute("SELECT regions FROM timeline WHERE event_id=? "
                                    "ORDER BY rowid DESC LIMIT 1", (event["id"],)).fetchone()
            event["regions"] = json.loads(last[0]) if last else []
            for key in ("snapshot", "frame_image", "crop", "clip"):
                if event[key] and not (Path(root) / event[key]).is_file():
                    event[key] = None  # being written, or lost
            rows.append(event)
            if len(rows) == LIMIT:
                break
        zones = sorted({z for (text,) in store.db.execute("SELECT zones FROM events")
                        for z in json.loads(text)})
        cameras = [c for (c,) in store.db.execute("SELECT DISTINCT camera FROM events "
                                                  "ORDER BY camera")]
    finally:
        store.close_db()
    return {"events": rows, "cameras": cameras, "zones": zones}
