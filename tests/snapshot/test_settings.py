"""The update policy: what each --snapshot-update mode writes, in CI and out."""

from __future__ import annotations

from pathlib import Path

import pytest

from spotdiff.snapshot.settings import SnapshotSettings, in_ci


def settings(update=None, ci=False, baseline_dir=None) -> SnapshotSettings:
    return SnapshotSettings(update=update, ci=ci, prune=False, root=Path("/r"),
                            report_dir=Path("/r/report"), baseline_dir=baseline_dir)


@pytest.mark.parametrize(("update", "ci", "new", "changed", "same", "asked"), [
    (None, False, True, False, False, False),
    (None, True, False, False, False, False),
    ("none", False, False, False, False, True),
    ("missing", True, True, False, False, True),
    ("changed", True, True, True, False, True),
    ("all", False, True, True, True, True),
])
def test_what_each_mode_writes(update, ci, new, changed, same, asked):
    s = settings(update, ci)
    assert (s.writes("new"), s.writes("changed"), s.writes("same")) == (new, changed, same)
    assert s.asked is asked


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="none, missing, changed, all"):
        settings("some")


@pytest.mark.parametrize(("value", "ci"), [("", False), ("0", False), ("false", False),
                                           ("true", True), ("1", True), ("yes", True)])
def test_the_ci_variable(value, ci):
    assert in_ci({"CI": value}) is ci
    assert in_ci({}) is False


def test_snapshot_folders():
    assert settings().snapshot_dir(Path("/r/tests/test_ui.py")) == Path(
        "/r/tests/__snapshots__/test_ui")
    configured = settings(baseline_dir=Path("/r/baselines"))
    assert configured.snapshot_dir(Path("/r/tests/ui/test_ui.py")) == Path(
        "/r/baselines/tests/ui/test_ui")
    assert configured.snapshot_dir(Path("/elsewhere/test_x.py")) == Path("/r/baselines/test_x")


def test_the_plugin_loads_without_numpy_or_opencv():
    """pytest loads the plugin in every run where spotdiff is installed: it
    costs nothing until a test asks for image_snapshot."""
    import subprocess
    import sys

    probe = ("import sys\nimport spotdiff.snapshot.plugin\n"
             "print(*[m for m in ('numpy', 'cv2', 'spotdiff.engine') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == []
