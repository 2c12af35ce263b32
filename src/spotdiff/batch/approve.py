"""``spotdiff approve``: copy accepted CURRENT images over their baselines,
from a batch's ``summary.json``, without comparing again.

Only ``changed`` and ``new`` items can be approved. Each CURRENT file must
still have the bytes the batch compared (its SHA-256 is in the summary), so
nothing is approved that nobody saw. All targets are replaced together or
none is, and ``approved.json`` in OUT records what was copied.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from spotdiff.errors import InputError

#: Item states approving applies to.
APPROVABLE = ("changed", "new")
#: The schema of the approvals file the report exports.
APPROVALS_SCHEMA = "spotdiff.approvals/1"
#: The log of approvals in OUT.
LOG = "approved.json"


def read_summary(out: str | os.PathLike) -> dict[str, Any]:
    path = Path(out) / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("OUT", expected="a batch output folder holding summary.json",
                         got=f"'{path}' ({exc.strerror})",
                         fix="pass the -o folder of 'spotdiff batch'") from None
    except ValueError:
        raise InputError(str(path), expected="JSON", got="unreadable content",
                         fix="run 'spotdiff batch' again") from None
    if not str(summary.get("schema", "")).startswith("spotdiff.batch/"):
        raise InputError(str(path), expected="a spotdiff batch summary",
                         got=repr(summary.get("schema")))
    return summary


def read_approvals(path: str | os.PathLike) -> list[str]:
    """Item names from an approvals file: the report's export
    (``{"schema": ..., "items": [...]}``) or a JSON list of names."""
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError("--from", expected="a readable approvals file",
                         got=f"'{source}' ({exc.strerror})") from None
    except ValueError:
        raise InputError("--from", expected="JSON (the report's approvals.json)",
                         got=f"invalid JSON in '{source}'") from None
    names = data.get("items") if isinstance(data, dict) else data
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError("--from", expected='{"items": ["name", ...]} or ["name", ...]',
                         got=f"'{source}'", fix="export it again from the report")
    return names


def select(summary: dict[str, Any], *, everything: bool = False,
           only: Iterable[str] = (), names: Iterable[str] | None = None) -> list[dict]:
    """The records to approve: all approvable ones, those whose name matches
    a pattern of ``only``, or exactly ``names`` (each must be approvable)."""
    items = summary["items"]
    if names is not None:
        by_name = {r["name"]: r for r in items}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise InputError("approvals", expected="names of items in this report",
                             got=", ".join(repr(n) for n in missing[:5]),
                             fix="export the approvals from this OUT's report")
        wrong = [n for n in names if by_name[n]["status"] not in APPROVABLE]
        if wrong:
            raise InputError("approvals", expected="changed or new items",
                             got=", ".join(f"{n!r} ({by_name[n]['status']})" for n in wrong[:5]),
                             fix="approve only changed or new items")
        return [by_name[n] for n in dict.fromkeys(names)]
    patterns = list(only)
    return [r for r in items if r["status"] in APPROVABLE
            and (everything or any(fnmatch.fnmatchcase(r["name"], p) for p in patterns))]


def approve(out: str | os.PathLike, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy each record's CURRENT file over its baseline (``target``), all
    together or none; append what was done to ``OUT/approved.json`` and
    return those entries."""
    from spotdiff.batch.item import file_sha256
    from spotdiff.io.write import write_json, written_together

    for record in records:
        if file_sha256(record["after"]) != record.get("after_sha256"):
            raise InputError(f"CURRENT '{record['after']}'",
                             expected="the file the batch compared",
                             got="different bytes now",
                             fix="run 'spotdiff batch' again and review it")
    targets = [Path(r["target"]) for r in records]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    with written_together(targets) as temps:
        for record, tmp in zip(records, temps, strict=True):
            shutil.copyfile(record["after"], tmp)
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    done = [{"name": r["name"], "status": r["status"], "from": r["after"], "to": r["target"],
             "sha256": r["after_sha256"], "time": when} for r in records]
    log = Path(out) / LOG
    try:
        previous = json.loads(log.read_text(encoding="utf-8"))["approved"]
    except (OSError, ValueError, KeyError, TypeError):
        previous = []
    write_json(log, {"schema": "spotdiff.approved/1", "approved": previous + done})
    return done
