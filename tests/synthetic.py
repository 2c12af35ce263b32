"""Small synthetic sequences for background-model tests (no shared data needed)."""

from __future__ import annotations

import cv2
import numpy as np

H, W = 96, 128


def scene(seed: int = 0, margin: int = 0) -> np.ndarray:
    """A textured RGB scene (H + 2 margin, W + 2 margin): smooth noise, gradients, shapes."""
    rng = np.random.default_rng(seed)
    h, w = H + 2 * margin, W + 2 * margin
    noise = rng.random((h // 4 + 1, w // 4 + 1, 3)).astype(np.float32)
    base = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 60 + 100 * np.clip(base, 0, 1) + 30 * (x / w)[:, :, None]
    img = np.clip(base, 0, 255).astype(np.uint8)
    cv2.rectangle(img, (margin + 10, margin + 60), (margin + 40, margin + 85), (40, 90, 170), -1)
    cv2.circle(img, (margin + 100, margin + 20), 12, (200, 200, 60), -1)
    return img


def noisy(img: np.ndarray, rng: np.random.Generator, sigma: float = 2.0) -> np.ndarray:
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def draw_object(img: np.ndarray, x: int, y: int) -> tuple[np.ndarray, np.ndarray]:
    """Paint a 20x24 object with a pattern at (x, y); returns (frame, object mask)."""
    out = img.copy()
    out[y:y + 24, x:x + 20] = (230, 40, 40)
    out[y + 6:y + 18, x + 5:x + 15] = (20, 20, 120)
    truth = np.zeros(img.shape[:2], bool)
    truth[y:y + 24, x:x + 20] = True
    return out, truth


def enters_and_stops(frames: int = 80, enter: int = 40, stop: int = 55, seed: int = 1):
    """Static scene; an object enters from the left at ``enter`` and stops at ``stop``.

    Yields (frame, truth) with truth the object's mask.
    """
    rng = np.random.default_rng(seed)
    bg = scene()
    for t in range(frames):
        if t < enter:
            yield noisy(bg, rng), np.zeros(bg.shape[:2], bool)
        else:
            x = 4 * (min(t, stop) - enter) + 2
            frame, truth = draw_object(bg, x, 40)
            yield noisy(frame, rng), truth


def lights_change(frames: int = 60, at: int = 40, gain: float = 1.3, seed: int = 2):
    """Static scene whose brightness jumps by ``gain`` at frame ``at`` (no object)."""
    rng = np.random.default_rng(seed)
    bg = scene().astype(np.float32)
    for t in range(frames):
        img = bg * (gain if t >= at else 1.0)
        yield noisy(np.clip(img, 0, 255).astype(np.uint8), rng)


def camera_shake(frames: int = 60, amplitude: int = 3, seed: int = 3, object_from: int = 45):
    """The scene seen by a camera that shakes by up to ``amplitude`` pixels each frame;
    an object appears (in scene coordinates) from ``object_from``. Yields (frame, truth)."""
    rng = np.random.default_rng(seed)
    m = amplitude
    big = scene(margin=m)
    for t in range(frames):
        dx, dy = (0, 0) if t < 3 else rng.integers(-m, m + 1, 2)
        img, truth = big, np.zeros(big.shape[:2], bool)
        if t >= object_from:
            img, truth = draw_object(big, 60 + m, 30 + m)
        crop = (slice(m + dy, m + dy + H), slice(m + dx, m + dx + W))
        yield noisy(img[crop], rng), truth[crop]
