"""A 5×7 bitmap font of spotdiff's own, for labels on pictures.

OpenCV's ``putText`` rasterises its Hershey fonts with anti-aliasing that
changes between OpenCV builds, so a picture with text drawn by it is not the
same on every machine. Labels drawn here are whole pixels set by numpy: the
same bytes on every build, which is what lets the golden pictures in the
tests be compared exactly.

Digits, upper-case letters and a little punctuation; lower case is drawn in
upper case and anything else as ``?``.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

GLYPH_W, GLYPH_H = 5, 7

# Each glyph: seven rows of five cells, '#' = ink.
_GLYPHS = {
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
    "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####",
    "3": "####. ....# ....# .###. ....# ....# ####.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
    "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.",
    "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.",
    "9": ".###. #...# #...# .#### ....# ...#. .##..",
    "A": ".###. #...# #...# ##### #...# #...# #...#",
    "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.",
    "D": "####. #...# #...# #...# #...# #...# ####.",
    "E": "##### #.... #.... ####. #.... #.... #####",
    "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####",
    "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
    "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
    "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.",
    "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
    "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.",
    "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.",
    "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
    "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
    "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    " ": "..... ..... ..... ..... ..... ..... .....",
    "-": "..... ..... ..... ##### ..... ..... .....",
    "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
    ".": "..... ..... ..... ..... ..... .##.. .##..",
    ",": "..... ..... ..... ..... .##.. ..#.. .#...",
    ":": "..... .##.. .##.. ..... .##.. .##.. .....",
    "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
    "_": "..... ..... ..... ..... ..... ..... #####",
    "/": "....# ....# ...#. ..#.. .#... #.... #....",
    "%": "##..# ##..# ...#. ..#.. .#... #..## #..##",
    "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
    ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
    "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
}


@cache
def _glyph(char: str) -> np.ndarray:
    rows = _GLYPHS.get(char.upper(), _GLYPHS["?"]).split()
    return np.array([[c == "#" for c in row] for row in rows], np.bool_)


def text_mask(text: str, scale: int = 1) -> np.ndarray:
    """The ink of ``text`` as a bool (7·scale, (6·len − 1)·scale) array.

    Glyphs are 5 cells wide with one empty column between them; each cell
    becomes a ``scale`` × ``scale`` square.
    """
    if scale < 1:
        raise ValueError(f"text scale: expected a whole number >= 1, got {scale!r}")
    if not text:
        return np.zeros((GLYPH_H * scale, 0), np.bool_)
    gap = np.zeros((GLYPH_H, 1), np.bool_)
    cells = np.hstack([part for ch in text for part in (_glyph(ch), gap)][:-1])
    return np.repeat(np.repeat(cells, scale, axis=0), scale, axis=1)


def text_size(text: str, scale: int = 1, outline: int = 0) -> tuple[int, int]:
    """(width, height) in pixels that :func:`draw_text` covers, outline included."""
    h, w = text_mask(text, scale).shape
    return w + 2 * outline, h + 2 * outline


def draw_text(canvas: np.ndarray, text: str, xy: tuple[int, int], color: tuple[int, ...],
              *, scale: int = 1, outline: int = 0,
              outline_color: tuple[int, ...] = (0, 0, 0)) -> None:
    """Draw ``text`` into ``canvas`` in place, its outer top-left corner at ``xy``.

    ``outline`` pixels of ``outline_color`` surround the ink, so the text
    reads on any background. Whatever falls outside the canvas is clipped.
    """
    ink = text_mask(text, scale)
    if outline > 0:
        ink = np.pad(ink, outline)
        kernel = np.ones((2 * outline + 1, 2 * outline + 1), np.uint8)
        ring = cv2.dilate(ink.view(np.uint8), kernel).view(np.bool_)
    else:
        ring = ink
    x, y = int(xy[0]), int(xy[1])
    h, w = canvas.shape[:2]
    # the part of the text box that lies on the canvas
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + ink.shape[1], w), min(y + ink.shape[0], h)
    if x0 >= x1 or y0 >= y1:
        return
    inside = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
    view = canvas[y0:y1, x0:x1]
    if outline > 0:
        view[ring[inside]] = outline_color
    view[ink[inside]] = color
