"""A batch's outputs: ``summary.json`` (versioned, machine-readable), the
static HTML report (``index.html`` with its script, style and data beside
it; no server, no build step, works from ``file://``, moved or zipped) and
an optional JUnit XML file for CI systems."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from spotdiff.batch.item import STATES
from spotdiff.batch.runner import BatchResult

#: The schema name and version of summary.json (bumped on incompatible changes).
SCHEMA = "spotdiff.batch/1"
#: The report's static files, package data of spotdiff.batch.
STATIC = ("index.html", "report.css", "report.js")
#: Exit codes, as ``spotdiff compare``'s.
SAME, DIFFERENT, ERROR = 0, 1, 2


def exit_code(counts: dict[str, int], complete: bool = True) -> int:
    """2 if any item errored or the run did not finish, 1 if any changed, is
    new or deleted, else 0 (never 0 after a failure)."""
    if counts.get("error") or not complete:
        return ERROR
    if counts.get("changed") or counts.get("new") or counts.get("deleted"):
        return DIFFERENT
    return SAME


def summary_line(compare: dict[str, Any]) -> str:
    """One line per compared item, as ``spotdiff compare`` prints it."""
    verdict = "DIFFERENT" if compare["different"] else "same"
    return (f"{verdict}: {compare['changed_pixels']} changed pixels "
            f"({100 * compare['changed_fraction']:.4f}%), {compare['region_count']} region(s), "
            f"score {compare['score']:.6f} [{compare['method']}], "
            f"{compare['width']}x{compare['height']}")


def build_summary(result: BatchResult, *, inputs: dict[str, Any],
                  config: dict[str, Any]) -> dict[str, Any]:
    """The content of ``summary.json``."""
    from spotdiff import __version__

    counts = result.counts()
    return {
        "schema": SCHEMA,
        "spotdiff": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "complete": result.complete,
        "exit_code": exit_code(counts, result.complete),
        "inputs": inputs,
        "config": config,
        "executor": result.executor,
        "totals": {"items": result.total, "done": len(result.records),
                   "reused": result.reused, **counts},
        "items": result.records,
    }


def _report_item(record: dict[str, Any]) -> dict[str, Any]:
    """What the page needs of an item (the rest is in summary.json)."""
    compare = record.get("compare") or {}
    return {
        "name": record["name"],
        "status": record["status"],
        "error": record.get("error"),
        "line": summary_line(compare) if compare else None,
        "global": compare.get("global"),
        "identical": bool(compare.get("identical")),
        "width": compare.get("width"),
        "height": compare.get("height"),
        "regions": [r["bbox"] for r in compare.get("regions", [])],
        "files": record.get("files", {}),
        "target": record.get("target"),
    }


def _script_data(value: Any) -> str:
    """JSON safe inside a <script> file: no '<' (so no '</script>' or
    '<!--'), non-ASCII escaped."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")


def report_files(summary: dict[str, Any]) -> dict[str, bytes]:
    """The report's files (relative name -> bytes): the static page, its
    style and script, and ``report-data.js`` holding the items (loaded with
    a script tag, which file:// allows where fetch() is refused)."""
    static = resources.files("spotdiff.batch") / "static"
    files = {name: (static / name).read_bytes() for name in STATIC}
    page = {
        "schema": summary["schema"], "created": summary["created"],
        "complete": summary["complete"], "exit_code": summary["exit_code"],
        "totals": summary["totals"], "inputs": summary["inputs"],
        # the reviewer's order: errors, changes, new, deleted, then the rest
        "items": [_report_item(r) for r in sorted(
            summary["items"], key=lambda r: (STATES.index(r["status"]), r["name"]))],
    }
    files["report-data.js"] = f"window.SPOTDIFF_REPORT = {_script_data(page)};\n".encode()
    return files


def junit_xml(summary: dict[str, Any]) -> bytes:
    """The items as JUnit test cases: changed, new and deleted fail, errors error."""
    from xml.etree import ElementTree as ET

    totals = summary["totals"]
    failures = totals["changed"] + totals["new"] + totals["deleted"]
    suite = ET.Element("testsuite", name="spotdiff batch", tests=str(totals["done"]),
                       failures=str(failures), errors=str(totals["error"]))
    for record in summary["items"]:
        case = ET.SubElement(suite, "testcase", classname="spotdiff.batch", name=record["name"],
                             time=str(sum(record.get("seconds", {}).values())))
        status = record["status"]
        if status == "error":
            ET.SubElement(case, "error", message=record["error"] or "error")
        elif status != "unchanged":
            text = summary_line(record["compare"]) if record.get("compare") else status
            ET.SubElement(case, "failure", message=f"{status}: {text}")
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)


def summary_json(summary: dict[str, Any]) -> bytes:
    """``summary.json``'s bytes: indented, each item on one line (readable and
    greppable, and written by json's C encoder: a tenth of the time of
    indenting every item's compare record)."""
    head = json.dumps({k: v for k, v in summary.items() if k != "items"}, indent=1,
                      allow_nan=False)
    items = ",\n  ".join(json.dumps(r, allow_nan=False) for r in summary["items"])
    body = f'"items": [\n  {items}\n ]' if items else '"items": []'
    return f"{head[:-2]},\n {body}\n}}\n".encode()


def write_outputs(out: str | os.PathLike, summary: dict[str, Any],
                  junit: str | os.PathLike | None = None) -> None:
    """Write ``summary.json``, the report and the JUnit file, all or nothing."""
    from spotdiff.io import write_files

    out_dir = Path(out)
    contents = {out_dir / name: data for name, data in report_files(summary).items()}
    contents[out_dir / "summary.json"] = summary_json(summary)
    if junit is not None:
        Path(junit).parent.mkdir(parents=True, exist_ok=True)
        contents[Path(junit)] = junit_xml(summary)
    write_files(contents)
