"""``spotdiff events list|show|export|purge|rebuild -o DIR``: the events a watch stored."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import ExitCode, Streams, non_negative_float, positive_int

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    from spotdiff.cli.watch import _size

    p = sub.add_parser("events", help="list, show, export or purge stored events",
                       description="Read and manage the events 'spotdiff watch -o DIR' stored.")
    inner = p.add_subparsers(dest="action", metavar="ACTION", help="what to do")
    inner.required = True

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("-o", "--out", metavar="DIR", required=True,
                       help="the folder holding events.db")
        q.set_defaults(run=run)

    q = inner.add_parser("list", help="one line per event (or JSON lines with --json)")
    q.add_argument("--camera", metavar="NAME", help="only this camera's events")
    q.add_argument("--json", action="store_true", help="one JSON object per line")
    common(q)
    q = inner.add_parser("show", help="one event with its timeline, as JSON")
    q.add_argument("event_id", type=positive_int, metavar="ID", help="the event's id")
    common(q)
    q = inner.add_parser("export", help="every event with its timeline, as one JSON array")
    q.add_argument("--camera", metavar="NAME", help="only this camera's events")
    common(q)
    q = inner.add_parser("purge", help="delete ended events and their files")
    q.add_argument("--older-than", type=non_negative_float, metavar="DAYS",
                   help="events older than this many days")
    q.add_argument("--max-size", type=_size, metavar="SIZE",
                   help="oldest events until the files take at most SIZE (e.g. 20G)")
    q.add_argument("--free-reserve", type=_size, default=0, metavar="SIZE",
                   help="oldest events until the disk has SIZE free")
    q.add_argument("--all", action="store_true", help="every ended event")
    common(q)
    q = inner.add_parser("rebuild", help="restore events missing from events.db from the "
                         "sidecars in DIR/events/")
    common(q)


def _store(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from spotdiff.errors import InputError
    from spotdiff.watch.store import Store

    if not (Path(args.out) / "events.db").is_file() and args.action != "rebuild":
        raise InputError(f"events folder '{args.out}'", expected="a folder holding events.db",
                         got="no events.db there", fix="pass the -o DIR given to spotdiff watch")
    return Store(args.out)


def run(args: argparse.Namespace, streams: Streams) -> int:
    import json

    from spotdiff.errors import InputError

    store = _store(args)
    try:
        if args.action == "list":
            for e in store.events(args.camera):
                if args.json:
                    streams.out.write(json.dumps(e) + "\n")
                else:
                    end = "open" if e["end_time"] is None else f"{e['end_time']:.2f}"
                    streams.out.write(
                        f"{e['id']:>6}  {e['camera']}  {e['start_time']:.2f}-{end} s  "
                        f"{e['reason'] or 'open'}  area {e['peak_area']}  "
                        f"zones {','.join(e['zones']) or '-'}  {e['snapshot'] or ''}\n")
        elif args.action == "show":
            event = store.event(args.event_id)
            if event is None:
                raise InputError(f"event {args.event_id}", expected="an id from 'events list'",
                                 got="no such event")
            streams.out.write(json.dumps(event, indent=2) + "\n")
        elif args.action == "export":
            events = [store.event(e["id"]) for e in store.events(args.camera)]
            streams.out.write(json.dumps(events, indent=2) + "\n")
        elif args.action == "purge":
            if args.older_than is None and args.max_size is None and not args.free_reserve \
                    and not args.all:
                raise InputError("purge", expected="--older-than, --max-size, --free-reserve "
                                 "or --all", got="none of them")
            gone = store.purge(older_than=0.0 if args.all else (
                None if args.older_than is None else args.older_than * 86400.0),
                max_bytes=args.max_size, free_reserve=args.free_reserve)
            streams.err.write(f"deleted {len(gone)} event(s)\n")
        else:
            streams.err.write(f"restored {store.rebuild()} event(s)\n")
    finally:
        store.close_db()
    return ExitCode.SAME
