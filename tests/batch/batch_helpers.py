"""Helpers of the batch tests: screenshot-like images and the CLI in-process."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from spotdiff.cli import main


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def page(seed: int = 0, h: int = 120, w: int = 160) -> np.ndarray:
    """A screenshot-like RGB image: a flat background, a header, boxes."""
    img = np.full((h, w, 3), 245, np.uint8)
    img[:16] = (30, 60, 120)
    cv2.rectangle(img, (10, 30), (70, 80), (200, 80 + seed * 20 % 100, 40), -1)
    cv2.rectangle(img, (90, 30), (150, 60), (20, 150, 60), -1)
    return img


def save(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))
    return path


@dataclass
class Folders:
    base: Path
    cur: Path
    out: Path


def changed_page(seed: int = 0) -> np.ndarray:
    img = page(seed)
    cv2.circle(img, (120, 95), 12, (255, 0, 200), -1)  # a new badge
    img[2:12, 4:40] = (250, 250, 250)  # and a new header label
    return img
