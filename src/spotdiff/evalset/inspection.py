"""Inspection pairs: a golden template against a scan of the part, with one defect.

Binarised black-and-white images, as a scanner or an inspection camera
thresholds them, registered to the template only to about half a pixel and
saved as JPEG: the global difference (the sub-pixel shift, the ringing of
JPEG along every edge) is everywhere, the defect is a few pixels.

* ``board``: copper traces and pads (white on black); the defect is missing
  or extra copper, a break, a spur or a pin-hole.
* ``document``: lines of text (black on white); the defect is a missing or
  extra blot of ink, a break through a stroke, a spur or a pin-hole.
* ``board-clean`` and ``document-clean``: the same shift and JPEG, no
  defect: nothing to report.

Everything is drawn here (OpenCV's anti-aliased drawing at fixed-point
coordinates, 1/16 pixel, then thresholded): nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np

from spotdiff.evalset.pairs import Case, _jpeg

KINDS = ("board", "document", "board-clean", "document-clean")
DEFECTS = ("missing", "extra", "break", "spur", "pin-hole")
#: Cases of each defective kind per seed (one defect each).
PER_KIND = 10
_SIZE = 384
_FRAC = 16  # fixed-point fraction of OpenCV's drawing: 1/16 px

Draw = Callable[[np.ndarray, float, float], None]


def _p(x: float, y: float, dx: float, dy: float) -> tuple[int, int]:
    return int(round((x + dx) * _FRAC)), int(round((y + dy) * _FRAC))


def _render(shapes: list[tuple], dx: float, dy: float, ink: int, paper: int) -> np.ndarray:
    """Draw ``shapes`` offset by (dx, dy), anti-aliased, then binarise."""
    img = np.full((_SIZE, _SIZE), paper, np.uint8)
    for shape in shapes:
        kind, colour = shape[0], ink if shape[1] else paper
        if kind == "line":
            _, _, x0, y0, x1, y1, t = shape
            cv2.line(img, _p(x0, y0, dx, dy), _p(x1, y1, dx, dy), colour, t, cv2.LINE_AA, 4)
        elif kind == "circle":
            _, _, x, y, r = shape
            cv2.circle(img, _p(x, y, dx, dy), int(r * _FRAC), colour, -1, cv2.LINE_AA, 4)
        elif kind == "text":
            _, _, x, y, text, scale, t = shape
            # putText has no fixed point: draw 4x larger, offset, and shrink
            big = np.full((_SIZE * 4, _SIZE * 4), 0, np.uint8)
            cv2.putText(big, text, (int(round((x + dx) * 4)), int(round((y + dy) * 4))),
                        cv2.FONT_HERSHEY_SIMPLEX, scale * 4, 255, t * 4, cv2.LINE_AA)
            small = cv2.resize(big, (_SIZE, _SIZE), interpolation=cv2.INTER_AREA)
            img = np.where(small > 127, colour, img).astype(np.uint8)
    return np.where(img > 127, 255, 0).astype(np.uint8)


def _board(rng: np.random.Generator) -> list[tuple]:
    shapes: list[tuple] = []
    for _ in range(14):  # Manhattan traces with pads at their ends
        x0, y0 = rng.uniform(30, _SIZE - 30, 2)
        t = int(rng.integers(4, 9))
        if rng.random() < 0.5:
            x1, y1 = float(rng.uniform(30, _SIZE - 30)), y0
        else:
            x1, y1 = x0, float(rng.uniform(30, _SIZE - 30))
        shapes.append(("line", True, x0, y0, x1, y1, t))
        for x, y in ((x0, y0), (x1, y1)):
            shapes.append(("circle", True, x, y, t + rng.uniform(3, 6)))
    return shapes


def _document(rng: np.random.Generator) -> list[tuple]:
    words = ["lorem", "ipsum", "dolor", "sit", "amet", "board", "serial", "batch", "lot",
             "ref", "v2", "QC"]
    shapes: list[tuple] = []
    for row in range(9):
        text = " ".join(rng.choice(words, 3))
        shapes.append(("text", True, 16.0, 40.0 + 38 * row, text, 1.0, 2))
    return shapes


def _ink_at(img: np.ndarray, ink: int, rng: np.random.Generator, inside: bool
            ) -> tuple[float, float]:
    """A random point on the ink (``inside``) or on paper near ink."""
    on = img == ink
    if not inside:
        near = cv2.dilate(on.view(np.uint8), np.ones((15, 15), np.uint8)).view(np.bool_)
        on = near & ~cv2.dilate(on.view(np.uint8), np.ones((7, 7), np.uint8)).view(np.bool_)
    else:  # well inside the ink
        on = cv2.erode(on.view(np.uint8), np.ones((3, 3), np.uint8)).view(np.bool_)
    ys, xs = np.nonzero(on[20:-20, 20:-20])
    i = int(rng.integers(len(ys)))
    return float(xs[i] + 20), float(ys[i] + 20)


def _defect(kind: str, golden: np.ndarray, ink: int, rng: np.random.Generator) -> list[tuple]:
    """Shapes that add one defect of ``kind`` to the drawing."""
    if kind == "missing":
        x, y = _ink_at(golden, ink, rng, inside=True)
        return [("circle", False, x, y, rng.uniform(4, 6))]
    if kind == "extra":
        x, y = _ink_at(golden, ink, rng, inside=False)
        return [("circle", True, x, y, rng.uniform(3, 5))]
    if kind == "break":
        x, y = _ink_at(golden, ink, rng, inside=True)
        angle = rng.uniform(0, np.pi)
        c, s = np.cos(angle) * 8, np.sin(angle) * 8
        return [("line", False, x - c, y - s, x + c, y + s, int(rng.integers(3, 5)))]
    if kind == "spur":
        x, y = _ink_at(golden, ink, rng, inside=True)
        angle = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(10, 14)
        return [("line", True, x, y, x + np.cos(angle) * length, y + np.sin(angle) * length, 3)]
    # pin-hole
    x, y = _ink_at(golden, ink, rng, inside=True)
    return [("circle", False, x, y, rng.uniform(2.5, 3.5))]


def make_inspection_pairs(seed: int = 0, kinds: tuple[str, ...] = KINDS) -> Iterator[Case]:
    """Yield the inspection cases of a seed (deterministic; see the module notes).

    BEFORE is the template drawn in place and saved as JPEG (quality 90);
    AFTER the part, drawn shifted by 0.3-0.7 px on each axis, with one
    defect, saved at quality 75-90. The true mask is the defect in BEFORE's
    frame.
    """
    for kind in kinds:
        base = kind.removesuffix("-clean")
        clean = kind.endswith("-clean")
        ink, paper = (255, 0) if base == "board" else (0, 255)
        for i in range(PER_KIND):
            rng = np.random.default_rng([seed, 1000 + KINDS.index(kind), i])
            shapes = _board(rng) if base == "board" else _document(rng)
            golden = _render(shapes, 0.0, 0.0, ink, paper)
            dx, dy = rng.uniform(0.3, 0.7, 2) * rng.choice([-1, 1], 2)
            defect_name = "clean"
            if clean:
                extra: list[tuple] = []
                mask = np.zeros(golden.shape, bool)
            else:
                defect_name = DEFECTS[i % len(DEFECTS)]
                extra = _defect(defect_name, golden, ink, rng)
                mask = _render(shapes + extra, 0.0, 0.0, ink, paper) != golden
                mask = cv2.morphologyEx(mask.view(np.uint8), cv2.MORPH_CLOSE,
                                        np.ones((3, 3), np.uint8)).view(np.bool_)
            part = _render(shapes + extra, float(dx), float(dy), ink, paper)
            before = _jpeg(np.dstack([golden] * 3), 90)
            after = _jpeg(np.dstack([part] * 3), int(rng.integers(75, 91)))
            if not clean and not mask.any():  # the defect fell on nothing: skip it
                continue
            yield Case(f"{kind}/{i}-{defect_name}", kind, before, after, mask)
