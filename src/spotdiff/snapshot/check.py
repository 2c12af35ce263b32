"""One image snapshot assertion: compare with the baseline, decide, write.

The compare is :func:`spotdiff.compare` with the options the test gave
(BEFORE is the baseline, AFTER the actual image), so a snapshot test and
``spotdiff compare BASELINE ACTUAL`` on the same files say the same thing.
A failure's actual image is written into the run's report folder and
becomes an item of the batch report (:func:`spotdiff.batch.item.run_item`,
the same record and pictures ``spotdiff batch`` writes), whose target is
the baseline: ``spotdiff approve REPORT`` copies it over the baseline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spotdiff.snapshot.settings import SnapshotSettings

#: The folder of the failures' actual images inside the report folder.
ACTUAL_FOLDER = "actual"
#: Region boxes listed in a failure message (the report shows them all).
LISTED_REGIONS = 5


@dataclass(frozen=True)
class Outcome:
    """What one assertion found and did.

    ``kind``: "new", "changed" or "same"; ``written``: the baseline was
    written; ``message``: why the test fails ("" when it passes);
    ``record``: the failure's item in the report (None when it passes).
    """

    name: str
    baseline: Path
    kind: str
    written: bool
    message: str = ""
    record: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return not self.message


def shown(path: Path | str) -> str:
    """A path as a message shows it: relative to the working folder when
    inside it."""
    path = Path(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def item_name(baseline: Path, root: Path) -> str:
    """The report item's name: the baseline's path from the run's root."""
    try:
        return baseline.relative_to(root).as_posix()
    except ValueError:
        return baseline.as_posix()


def _write(path: Path, data: bytes) -> None:
    from spotdiff.io.write import write_files

    path.parent.mkdir(parents=True, exist_ok=True)
    write_files({path: data})


def _compare(baseline: Path, actual: Any, options: Any) -> tuple[str, Any, str]:
    """``(kind, diff, note)``: the compare of the baseline with the actual
    image. Images of different sizes (without a size policy or alignment)
    are "changed" without a compare; their report item is compared with
    the ``pad-count`` policy (the added area counts as changed)."""
    from spotdiff.engine import compare
    from spotdiff.io.image import load_image

    before = load_image(baseline, name="baseline")
    after = actual.image
    (hb, wb), (ha, wa) = before.pixels.shape[:2], after.pixels.shape[:2]
    if (hb, wb) != (ha, wa) and options.size == "error" and options.align == "none":
        diff = compare(before, after, options, size="pad-count")
        return "changed", diff, (f"the size changed: baseline {wb}x{hb}, actual {wa}x{ha} "
                                 "(report compared with size='pad-count')")
    diff = compare(before, after, options)
    return ("changed" if diff.different else "same"), diff, ""


def check_snapshot(actual: Any, name: str, *, options: Any, settings: SnapshotSettings,
                   module: Path, test: str) -> Outcome:
    """Compare ``actual`` with the baseline ``name`` of the test ``test``
    (its node id) in ``module``, write what ``settings`` say, and return
    the :class:`Outcome` (never raises for a difference; raises
    :class:`~spotdiff.errors.InputError` for unusable input)."""
    from spotdiff.snapshot.actual import check_name, read_actual

    name = check_name(name)
    baseline = settings.snapshot_dir(module) / name
    image = read_actual(actual, data_range=options.data_range)
    suffix = Path(name).suffix
    diff, note = None, ""
    if baseline.is_file():
        kind, diff, note = _compare(baseline, image, options)
    else:
        kind = "new"
    written = False
    data = None
    if settings.writes(kind):
        data = image.baseline_bytes(suffix)
        if kind != "same" or baseline.read_bytes() != data:
            _write(baseline, data)
            written = True
    if kind == "same" or (written and settings.asked):
        return Outcome(name, baseline, kind, written)
    if data is None:
        data = image.baseline_bytes(suffix)
    record = _record_failure(baseline, data, diff, options, settings, kind)
    message = _message(name, test, baseline, kind, written, record, settings, note)
    return Outcome(name, baseline, kind, written, message, record)


def _record_failure(baseline: Path, data: bytes, diff: Any, options: Any,
                    settings: SnapshotSettings, kind: str) -> dict[str, Any]:
    """Write the actual image into the report folder and the failure as a
    batch item (record and pictures) whose target is the baseline."""
    from spotdiff.batch.item import run_item
    from spotdiff.batch.pairing import Pair

    name = item_name(baseline, settings.root)
    copy = settings.report_dir / ACTUAL_FOLDER / name
    _write(copy, data)
    before = None if kind == "new" else os.fspath(baseline)
    pair = Pair(name, before, os.fspath(copy), os.fspath(baseline))
    return run_item(pair, options.to_dict(), os.fspath(settings.report_dir),
                    compared=diff)


def _message(name: str, test: str, baseline: Path, kind: str, written: bool,
             record: dict[str, Any], settings: SnapshotSettings, note: str) -> str:
    from spotdiff.summary import verdict_line

    report = settings.report_dir
    files = {k: report / v for k, v in record.get("files", {}).items()}
    actual = shown(record["after"])
    approve = f"spotdiff approve {shown(report)} --items {record['name']}"
    if kind == "new" and written:
        return (f"image snapshot '{name}' had no baseline: written to {shown(baseline)}\n"
                f"  look at it, then run the test again (it passes once the baseline exists)")
    if kind == "new":
        why = "CI is set" if settings.ci and settings.update is None \
            else f"--snapshot-update={settings.update}"
        return (f"image snapshot '{name}' has no baseline at {shown(baseline)}; "
                f"nothing written ({why})\n"
                f"  actual:  {actual}\n"
                f"  report:  {shown(report / 'index.html')} (written at the end of the run)\n"
                f"  accept:  {approve}  (or run with --snapshot-update=missing)")
    compare = record.get("compare")
    lines = [f"image snapshot '{name}' differs from its baseline ({test})"]
    if record["status"] == "error" or compare is None:
        lines.append(f"  {record.get('error') or note}")
    else:
        lines.append(f"  {verdict_line(compare)}")
        if note:
            lines.append(f"  {note}")
        boxes = [r["bbox"] for r in compare.get("regions", [])]
        if boxes:
            more = f" and {len(boxes) - LISTED_REGIONS} more" if len(boxes) > LISTED_REGIONS \
                else ""
            lines.append("  regions (x0, y0, x1, y1): " + ", ".join(
                str(tuple(b)) for b in boxes[:LISTED_REGIONS]) + more)
    lines += [f"  expected: {shown(baseline)}",
              f"  actual:   {actual}"]
    if "heatmap" in files:
        lines.append(f"  diff:     {shown(files['heatmap'])} (mask: {shown(files['mask'])})")
    lines += [f"  report:   {shown(report / 'index.html')} (written at the end of the run)",
              f"  accept:   {approve}  (or run with --snapshot-update=changed)"]
    return "\n".join(lines)
