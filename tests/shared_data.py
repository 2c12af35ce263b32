"""Where the shared third-party test data lives (tests import this module;
``pythonpath = ["tests"]`` in pyproject.toml)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """``$SPOTDIFF_DATA``, or ``../shared/data`` beside the repository root."""
    env = os.environ.get("SPOTDIFF_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def require_data(*parts: str) -> Path:
    """A path inside the shared data, or skip with the reason."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"third-party test data not found: {path} (set SPOTDIFF_DATA)")
    return path
