"""The terminal summary of a run's image snapshots."""

from __future__ import annotations

from pathlib import Path

from spotdiff.snapshot.check import shown
from spotdiff.snapshot.run import SnapshotRun

#: Paths listed per group; the rest is counted.
LISTED = 20


def _listed(paths: list[str]) -> list[str]:
    lines = [f"  {shown(p)}" for p in paths[:LISTED]]
    if len(paths) > LISTED:
        lines.append(f"  ... and {len(paths) - LISTED} more")
    return lines


def summary_lines(run: SnapshotRun, *, unused: list[Path]) -> list[str]:
    """What the run's end prints: baselines written, failures and where their
    report is, unused baselines (or pruned ones). Empty when the run used no
    snapshot."""
    lines: list[str] = []
    kinds = {"new": "written (new)", "changed": "updated (changed)",
             "same": "rewritten (--snapshot-update=all)"}
    for kind, words in kinds.items():
        paths = sorted(p for p, k in run.written.items() if k == kind)
        if paths:
            lines.append(f"{len(paths)} baseline(s) {words}:")
            lines += _listed(paths)
    report = run.settings.report_dir
    if run.failed:
        lines.append(f"{len(run.failed)} image snapshot failure(s); report: "
                     f"{shown(report / 'index.html')}")
        lines.append(f"  accept them all: spotdiff approve {shown(report)} --all")
    if run.pruned:
        lines.append(f"{len(run.pruned)} unused baseline(s) deleted (--snapshot-prune):")
        lines += _listed(run.pruned)
    if unused:
        lines.append(f"{len(unused)} unused baseline(s) (delete them with --snapshot-prune):")
        lines += _listed([str(p) for p in unused])
    return lines
