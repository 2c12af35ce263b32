"""The update policy and the folders of a test run's image snapshots.

Numpy-free: built from the command line and the ini file when pytest
configures itself, before any test runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: ``--snapshot-update`` values, from writing nothing to rewriting every baseline.
UPDATE_MODES = ("none", "missing", "changed", "all")
#: What a snapshot can be when compared with its baseline.
KINDS = ("new", "changed", "same")
#: The baselines each mode writes.
_WRITES = {"none": (), "missing": ("new",), "changed": ("new", "changed"),
           "all": ("new", "changed", "same")}
#: The folder of the baselines beside a test module, by default.
SNAPSHOT_FOLDER = "__snapshots__"
#: The environment variable that marks a CI run.
CI_VARIABLE = "CI"


def in_ci(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether the ``CI`` variable says this is a CI run (set, and not
    empty, ``0`` or ``false``)."""
    return environ.get(CI_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class SnapshotSettings:
    """How a run treats its baselines.

    Parameters
    ----------
    update : {"none", "missing", "changed", "all"}, optional
        ``--snapshot-update``; None when not given: a missing baseline is
        written and its test fails (outside CI), nothing else is written.
    ci : bool
        The ``CI`` variable is set: nothing is written unless ``update`` asks.
    prune : bool
        ``--snapshot-prune``: delete the unused baselines reported.
    root : Path
        The run's root folder (pytest's rootdir).
    baseline_dir : Path, optional
        The ``spotdiff_snapshot_dir`` ini option: baselines under
        ``<baseline_dir>/<module path from root>/`` instead of
        ``__snapshots__/<module>/`` beside each module.
    report_dir : Path
        Where failures are written: the batch report of the run.
    """

    update: str | None
    ci: bool
    prune: bool
    root: Path
    report_dir: Path
    baseline_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.update is not None and self.update not in UPDATE_MODES:
            raise ValueError(f"--snapshot-update: expected one of {', '.join(UPDATE_MODES)}, "
                             f"got {self.update!r}")

    def writes(self, kind: str) -> bool:
        """Whether a snapshot of ``kind`` (see :data:`KINDS`) writes its baseline."""
        if self.update is None:
            return kind == "new" and not self.ci
        return kind in _WRITES[self.update]

    @property
    def asked(self) -> bool:
        """Writing was asked for (``--snapshot-update``): a baseline written
        passes its test; written by default, it fails it."""
        return self.update is not None

    def snapshot_dir(self, module: Path) -> Path:
        """The folder of the baselines of the test module at ``module``."""
        module = Path(module)
        if self.baseline_dir is None:
            return module.parent / SNAPSHOT_FOLDER / module.stem
        try:
            relative = module.with_suffix("").relative_to(self.root)
        except ValueError:  # a module outside the root: its name only
            relative = Path(module.stem)
        return self.baseline_dir / relative
