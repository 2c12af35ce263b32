"""Helpers of the image snapshot tests: a test module using the fixture, run
by pytest's ``pytester``, whose images change when told through the
environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: A test module with three snapshots. SNAP_CHANGED lists the tests whose
#: image gets a new badge; SNAP_JPEG the ones given as JPEG bytes (quality
#: 90) instead of PNG bytes or an array.
MODULE = '''
import os

import cv2
import numpy as np


def scene(change=False):
    h, w = 120, 160
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=2)
    img = img.astype(np.uint8)
    cv2.rectangle(img, (10, 10), (40, 50), (20, 200, 60), -1)
    cv2.putText(img, "Hello", (50, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (10, 10, 10), 2)
    if change:
        cv2.circle(img, (120, 40), 8, (255, 0, 200), -1)
    return img


def actual(name):
    img = scene(name in os.environ.get("SNAP_CHANGED", "").split(","))
    if name in os.environ.get("SNAP_JPEG", "").split(","):
        return cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    if name == "menu":
        return cv2.imencode(".png", img[:, :, ::-1])[1].tobytes()
    return img


def test_home(image_snapshot):
    image_snapshot(actual("home"), "home.png")


def test_menu(image_snapshot):
    image_snapshot(actual("menu"), "menu.png")


def test_footer(image_snapshot):
    image_snapshot(actual("footer"), "footer.png")
'''
NAMES = ("home", "menu", "footer")


def snapshots(root: Path, module: str = "test_ui") -> Path:
    return root / "__snapshots__" / module


def baselines(root: Path, module: str = "test_ui") -> dict[str, bytes]:
    """The baselines' bytes by name (stem)."""
    folder = snapshots(root, module)
    return {p.stem: p.read_bytes() for p in sorted(folder.glob("*.png"))}


def report_summary(root: Path) -> dict:
    return json.loads((root / "snapshot-report" / "summary.json").read_text(encoding="utf-8"))


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    """passed/failed/errors counts of a run, zeros dropped."""
    return {k: v for k, v in result.parseoutcomes().items() if v and k != "seconds"
            and k in ("passed", "failed", "errors", "error", "skipped")}
