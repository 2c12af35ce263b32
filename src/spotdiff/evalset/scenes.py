"""Synthetic static-camera scenes with ground truth, for watching and its evaluation.

Deterministic (seeded) numpy/OpenCV drawings: a textured background, sensor
noise and a little flicker, and scripted objects. Each scene yields
``(frame, truth)`` pairs: RGB uint8 (H, W, 3) and a bool (H, W) mask of the
object pixels. :func:`write_cdnet` stores a scene in the CDnet layout that
``spotdiff eval events`` reads.

Scenes (:data:`SCENES`):

* ``intruder_stays``: a person walks in and stands still for minutes, then leaves;
* ``left_bag``: a person walks in, puts a bag down and leaves; the bag stays;
* ``lights``: an empty room whose light is switched on (no event);
* ``shaken``: an empty scene from a shaking camera (no event);
* ``trees``: an empty scene with waving foliage (no event);
* ``night``: a dark, very noisy scene a person walks through.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

Frames = Iterator[tuple[np.ndarray, np.ndarray]]

#: Frames of a scene written to the CDnet layout that are not scored (learning).
WARMUP = 50


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A textured scene: smooth colour noise, a floor, a wall, some furniture, float32 RGB."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(60, 190, (max(2, height // 12), max(2, width // 12), 3)).astype(np.float32)
    img = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    img += rng.normal(0, 6, (height, width, 3)).astype(np.float32)  # fine texture
    img = cv2.GaussianBlur(img, (0, 0), 0.7)
    floor = height * 2 // 3
    img[floor:] = 0.6 * img[floor:] + np.array([40, 35, 30], np.float32)
    for _ in range(4):
        x = int(rng.integers(0, width - width // 6))
        y = int(rng.integers(height // 6, floor))
        cv2.rectangle(img, (x, y), (x + width // 8, y + height // 10),
                      tuple(float(v) for v in rng.uniform(30, 220, 3)), -1)
    return np.clip(img, 0, 255)


def _person(img: np.ndarray, truth: np.ndarray, cx: float, feet: float, size: float,
            color: tuple[float, float, float], phase: float = 0.0) -> None:
    """A person-like figure (head, body, legs) standing on ``feet``."""
    h = size
    w = size * 0.32
    layer = np.zeros(truth.shape, np.uint8)
    head_r = max(2, round(h * 0.09))
    cv2.circle(layer, (round(cx), round(feet - h + head_r)), head_r, 1, -1)
    cv2.rectangle(layer, (round(cx - w / 2), round(feet - h + 2 * head_r)),
                  (round(cx + w / 2), round(feet - h * 0.45)), 1, -1)
    swing = np.sin(phase) * w * 0.3
    for side in (-1, 1):
        x = cx + side * w * 0.22
        cv2.line(layer, (round(x), round(feet - h * 0.45)),
                 (round(x + side * swing), round(feet)), 1, max(2, round(w * 0.3)))
    on = layer.astype(bool)
    shade = np.linspace(0.8, 1.15, truth.shape[0], dtype=np.float32)[:, None, None]
    img[on] = (np.array(color, np.float32) * shade.repeat(truth.shape[1], 1))[on]
    truth |= on


def _bag(img: np.ndarray, truth: np.ndarray, x: float, y: float, size: float) -> None:
    layer = np.zeros(truth.shape, np.uint8)
    cv2.rectangle(layer, (round(x), round(y - size * 0.7)), (round(x + size), round(y)), 1, -1)
    on = layer.astype(bool)
    img[on] = (40, 60, 150)
    truth |= on


class _Camera:
    """Noise and flicker of a cheap sensor, seeded."""

    def __init__(self, seed: int, noise: float, flicker: float) -> None:
        self.rng = np.random.default_rng(seed)
        self.noise = noise
        self.flicker = flicker
        self.k = 0

    def shoot(self, scene: np.ndarray, gain: float = 1.0) -> np.ndarray:
        self.k += 1
        g = gain * (1.0 + self.flicker * np.sin(self.k * 0.7))
        out = scene * np.float32(g) + self.rng.normal(0, self.noise, scene.shape).astype(
            np.float32)
        return np.clip(out, 0, 255).astype(np.uint8)


def _walk(frames: int, x0: float, x1: float) -> np.ndarray:
    return np.linspace(x0, x1, frames)


def intruder_stays(width: int = 160, height: int = 120, *, empty: int = 60, walk: int = 50,
                   stay: int = 3000, seed: int = 1) -> Frames:
    bg = background(width, height, seed)
    cam = _Camera(seed, 2.5, 0.01)
    feet, size = height * 0.85, height * 0.5
    path = np.concatenate([_walk(walk, -width * 0.1, width * 0.45),
                           np.full(stay, width * 0.45), _walk(walk, width * 0.45, width * 1.1)])
    for _ in range(empty):
        yield cam.shoot(bg), np.zeros((height, width), bool)
    for k, x in enumerate(path):
        img, truth = bg.copy(), np.zeros((height, width), bool)
        moving = k < walk or k >= walk + stay
        _person(img, truth, x, feet, size, (170, 60, 50), phase=k * 0.5 if moving else 0.0)
        yield cam.shoot(img), truth
    for _ in range(empty):
        yield cam.shoot(bg), np.zeros((height, width), bool)


def left_bag(width: int = 160, height: int = 120, *, empty: int = 60, walk: int = 40,
             stay: int = 1500, seed: int = 2) -> Frames:
    bg = background(width, height, seed)
    cam = _Camera(seed, 2.5, 0.01)
    feet, size = height * 0.85, height * 0.5
    bx, by = width * 0.5, feet
    for _ in range(empty):
        yield cam.shoot(bg), np.zeros((height, width), bool)
    for k, x in enumerate(_walk(walk, -width * 0.1, width * 0.55)):
        img, truth = bg.copy(), np.zeros((height, width), bool)
        _person(img, truth, x, feet, size, (60, 150, 70), phase=k * 0.5)
        _bag(img, truth, x + size * 0.15, feet - size * 0.3, size * 0.2)
        yield cam.shoot(img), truth
    for k, x in enumerate(_walk(walk, width * 0.55, width * 1.15)):
        img, truth = bg.copy(), np.zeros((height, width), bool)
        _bag(img, truth, bx, by, size * 0.2)
        _person(img, truth, x, feet, size, (60, 150, 70), phase=k * 0.5)
        yield cam.shoot(img), truth
    for _ in range(stay):
        img, truth = bg.copy(), np.zeros((height, width), bool)
        _bag(img, truth, bx, by, size * 0.2)
        yield cam.shoot(img), truth


def lights(width: int = 160, height: int = 120, *, frames: int = 400, seed: int = 3) -> Frames:
    bg = background(width, height, seed) * np.float32(0.55)
    cam = _Camera(seed, 2.0, 0.01)
    # a lamp: brighter and warmer, more so on one side
    ramp = np.linspace(1.3, 2.4, width, dtype=np.float32)[None, :, None]
    lit = bg * ramp * np.array([1.1, 1.0, 0.8], np.float32)
    for k in range(frames):
        yield cam.shoot(bg if k < frames // 2 else lit), np.zeros((height, width), bool)


def shaken(width: int = 160, height: int = 120, *, frames: int = 400, seed: int = 4) -> Frames:
    big = background(width + 16, height + 16, seed)
    cam = _Camera(seed, 2.0, 0.01)
    rng = np.random.default_rng(seed + 100)
    for k in range(frames):
        dx, dy = (rng.uniform(-2.5, 2.5, 2) if (k // 20) % 2 else (0.0, 0.0))
        m = np.array([[1, 0, -8 + dx], [0, 1, -8 + dy]], np.float32)
        view = cv2.warpAffine(big, m, (width, height), flags=cv2.INTER_LINEAR)
        yield cam.shoot(view), np.zeros((height, width), bool)


def trees(width: int = 160, height: int = 120, *, frames: int = 400, seed: int = 5) -> Frames:
    bg = background(width, height, seed)
    cam = _Camera(seed, 2.0, 0.01)
    rng = np.random.default_rng(seed)
    leaves = cv2.resize(rng.uniform(20, 140, (12, 16)).astype(np.float32), (width, height // 2),
                        interpolation=cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:height // 2, 0:width].astype(np.float32)
    for k in range(frames):
        sway = 3.0 * np.sin(k * 0.3 + ys / 9.0) * (1 - ys / (height / 2))
        moved = cv2.remap(leaves, xs + sway, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        img = bg.copy()
        img[:height // 2, :, 1] = moved + 40
        img[:height // 2, :, 0] = moved * 0.5
        img[:height // 2, :, 2] = moved * 0.4
        yield cam.shoot(img), np.zeros((height, width), bool)


def night(width: int = 160, height: int = 120, *, empty: int = 150, walk: int = 80,
          seed: int = 6) -> Frames:
    bg = background(width, height, seed) * np.float32(0.25)
    cam = _Camera(seed, 7.0, 0.02)
    feet, size = height * 0.85, height * 0.5
    for _ in range(empty):
        yield cam.shoot(bg), np.zeros((height, width), bool)
    for k, x in enumerate(_walk(walk, -width * 0.1, width * 1.1)):
        img, truth = bg.copy(), np.zeros((height, width), bool)
        _person(img, truth, x, feet, size, (75, 70, 60), phase=k * 0.5)
        yield cam.shoot(img), truth
    for _ in range(empty):
        yield cam.shoot(bg), np.zeros((height, width), bool)


#: Scene name -> generator (keyword options: width, height and scene lengths).
SCENES: dict[str, Callable[..., Frames]] = {
    "intruder_stays": intruder_stays, "left_bag": left_bag, "lights": lights,
    "shaken": shaken, "trees": trees, "night": night,
}


def write_video(path: str | os.PathLike, frames: Frames, fps: float = 25.0) -> int:
    """Write a scene's frames to a lossless-enough video (MJPG AVI, OpenCV); returns the count."""
    writer = None
    n = 0
    try:
        for frame, _ in frames:
            if writer is None:
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps,
                                         (frame.shape[1], frame.shape[0]))
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            n += 1
    finally:
        if writer is not None:
            writer.release()
    return n


def write_cdnet(folder: str | os.PathLike, frames: Frames) -> int:
    """Store a scene in the CDnet layout (input/inXXXXXX.jpg, groundtruth/gtXXXXXX.png,
    temporalROI.txt scoring from frame ``WARMUP + 1``); returns the number of frames."""
    root = Path(folder)
    (root / "input").mkdir(parents=True, exist_ok=True)
    (root / "groundtruth").mkdir(exist_ok=True)
    n = 0
    for n, (frame, truth) in enumerate(frames, start=1):
        cv2.imwrite(str(root / "input" / f"in{n:06d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        cv2.imwrite(str(root / "groundtruth" / f"gt{n:06d}.png"), truth.astype(np.uint8) * 255)
    # the first frames are for learning (as in CDnet), the rest is scored
    (root / "temporalROI.txt").write_text(f"{min(WARMUP + 1, n)} {n}\n")
    return n
