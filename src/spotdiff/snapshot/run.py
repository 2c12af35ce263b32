"""What a test run did with its image snapshots, and what it leaves behind.

A :class:`SnapshotRun` lives in each pytest process. Every assertion adds
the baseline it used (and wrote); the collection says which test modules
ran whole. Under pytest-xdist each worker's run travels to the controller
as :meth:`SnapshotRun.to_dict` and is merged there; the failures are
already on disk (each worker writes its items into the one report folder)
and the controller writes the one report over all of them
(:func:`spotdiff.batch.runner.records_on_disk`).

A baseline is *unused* when it lies in the snapshot folder of a module
whose every test ran and passed in this run (nothing deselected, nothing
skipped or failed) and no assertion read it: only then can the run know.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spotdiff.errors import InputError
from spotdiff.snapshot.settings import SnapshotSettings

if TYPE_CHECKING:
    from spotdiff.snapshot.check import Outcome

#: The file endings counted as baselines in a snapshot folder.
BASELINE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
#: The entries of a report folder this plugin writes (what a new run clears).
REPORT_ENTRIES = ("items", "actual", "summary.json", "index.html", "report.css", "report.js",
                  "report-data.js", "approved.json")


class SnapshotRun:
    """The baselines used and written in one process, the modules collected,
    and (where the tests' reports arrive: the only process, or xdist's
    controller) each test's outcome."""

    def __init__(self, settings: SnapshotSettings) -> None:
        self.settings = settings
        #: baseline path -> node id of the test that used it
        self.used: dict[str, str] = {}
        #: baselines written: path -> "new", "changed" or "same" (rewritten by 'all')
        self.written: dict[str, str] = {}
        #: report item names of the failures
        self.failed: list[str] = []
        #: snapshot folder -> node ids of the tests of its module
        self.modules: dict[str, list[str]] = {}
        #: snapshot folders whose module did not run whole
        self.partial: set[str] = set()
        #: node id -> every phase of the test passed
        self.passed: dict[str, bool] = {}
        self.pruned: list[str] = []

    # -- in the process that runs the tests -----------------------------------------------
    def use(self, baseline: Path, test: str) -> None:
        """Note that ``test`` reads ``baseline``; one baseline, one test."""
        key = str(baseline)
        other = self.used.get(key)
        if other is not None and other != test:
            raise InputError(f"image snapshot '{baseline.name}'",
                             expected="one test per baseline",
                             got=f"also used by {other}",
                             fix="give each test's snapshot its own name")
        self.used[key] = test

    def add(self, outcome: Outcome) -> None:
        if outcome.written:
            self.written[str(outcome.baseline)] = outcome.kind
        if outcome.record is not None:
            self.failed.append(outcome.record["name"])

    def collected(self, items: list[Any], args: list[str]) -> None:
        """Note the modules of the tests about to run (``items``), and the
        ones selected by node id on the command line (``args``)."""
        for item in items:
            folder = str(self.settings.snapshot_dir(Path(item.path)))
            self.modules.setdefault(folder, []).append(item.nodeid)
        for arg in args:
            if "::" in arg:
                module = Path(arg.split("::", 1)[0])
                if not module.is_absolute():
                    module = Path.cwd() / module
                self.partial.add(str(self.settings.snapshot_dir(module.resolve())))

    def deselected(self, items: list[Any]) -> None:
        for item in items:
            self.partial.add(str(self.settings.snapshot_dir(Path(item.path))))

    # -- where the reports arrive ---------------------------------------------------------
    def reported(self, nodeid: str, passed: bool) -> None:
        self.passed[nodeid] = self.passed.get(nodeid, True) and passed

    def to_dict(self) -> dict[str, Any]:
        """A worker's run, in types execnet carries."""
        return {"used": dict(self.used), "written": dict(self.written),
                "failed": list(self.failed), "modules": {k: list(v) for k, v in
                                                         self.modules.items()},
                "partial": sorted(self.partial)}

    def merge(self, data: dict[str, Any]) -> None:
        """Add a worker's :meth:`to_dict` (every worker collects the same tests)."""
        self.used.update(data["used"])
        self.written.update(data["written"])
        self.failed.extend(data["failed"])
        for folder, nodeids in data["modules"].items():
            self.modules[folder] = list(dict.fromkeys(self.modules.get(folder, []) + nodeids))
        self.partial.update(data["partial"])

    def unused(self) -> list[Path]:
        """The baselines no test of this run read, in folders of modules that
        ran whole and passed (see the module's docstring)."""
        found = []
        for folder, nodeids in sorted(self.modules.items()):
            root = Path(folder)
            if folder in self.partial or not root.is_dir():
                continue
            if not all(self.passed.get(n, False) for n in nodeids):
                continue
            for path in sorted(root.rglob("*")):
                if path.is_file() and path.suffix.lower() in BASELINE_SUFFIXES \
                        and not path.name.startswith(".") and str(path) not in self.used:
                    found.append(path)
        return found

    def prune(self, paths: list[Path]) -> None:
        """Delete ``paths`` (the unused baselines), then the folders inside a
        module's snapshot folder that this left empty (the module's own
        folder included)."""
        folders = [Path(f) for f in self.modules]
        for path in paths:
            path.unlink(missing_ok=True)
            self.pruned.append(str(path))
            top = next((f for f in folders if f in path.parents), None)
            folder = path.parent
            while top is not None and (folder == top or top in folder.parents) \
                    and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent

    def write_report(self) -> dict[str, Any] | None:
        """The batch report over every failure item in the report folder
        (any worker's); None when there were none."""
        from spotdiff.batch.report import build_summary, write_outputs
        from spotdiff.batch.runner import BatchResult, records_on_disk

        out = self.settings.report_dir
        records = records_on_disk(out)
        if not records:
            return None
        result = BatchResult(records, len(records), executor={"kind": "pytest"})
        settings = self.settings
        summary = build_summary(
            result, inputs={"kind": "pytest", "root": str(settings.root),
                            "baselines": str(settings.baseline_dir or "__snapshots__")},
            config={"update": settings.update, "ci": settings.ci})
        write_outputs(out, summary)
        return summary


def clear_report(folder: Path) -> None:
    """Remove an earlier run's report from ``folder``: only the entries this
    plugin writes, and only when the folder holds a spotdiff report (a
    ``summary.json`` of a batch, or an ``items`` folder)."""
    summary = folder / "summary.json"
    ours = (folder / "items").is_dir()
    try:
        ours = ours or str(json.loads(summary.read_text(encoding="utf-8")).get(
            "schema", "")).startswith("spotdiff.batch/")
    except (OSError, ValueError, AttributeError):
        pass
    if not ours:
        return
    for name in REPORT_ENTRIES:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
