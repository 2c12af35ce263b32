"""Shared fixtures: the third-party data folder and small synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_report_header(config: pytest.Config) -> str:
    """The versions under test, in the header of every run's output."""
    from spotdiff.versions import version_line

    return version_line()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under ``-q`` pytest prints no header: say the versions anyway."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.verbosity < 0:
        reporter.write_line(pytest_report_header(session.config))


def shared_data_dir() -> Path:
    """``$SPOTDIFF_DATA``, or ``../shared/data`` beside the repository root."""
    env = os.environ.get("SPOTDIFF_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared third-party data; skips the test when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"third-party test data not found at {path} (set SPOTDIFF_DATA)")
    return path


def require_data(*parts: str) -> Path:
    """A path inside the shared data, or skip with the reason."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party test data not found: {path} (set SPOTDIFF_DATA)")
    return path


@pytest.fixture
def scene() -> np.ndarray:
    """A 120x160 RGB uint8 image with smooth gradients and some shapes."""
    import cv2

    h, w = 120, 160
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=2).astype(np.uint8)
    cv2.rectangle(img, (10, 10), (40, 50), (20, 200, 60), -1)
    cv2.circle(img, (110, 70), 20, (230, 230, 30), -1)
    return img
