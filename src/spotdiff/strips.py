"""Work on an image one band of rows at a time.

A chain of whole-frame numpy/OpenCV calls writes every intermediate to a
new frame-sized array: at 1080p several megabytes per step, which go
through main memory (and, freshly allocated, through page faults). Run
band by band, the intermediates of a band stay in the processor's cache
and only the result reaches memory: three to five times faster for chains
of cheap per-pixel steps (the CIELAB conversion and the ΔE of
:mod:`spotdiff.metrics.color`).
Each band is computed exactly as the whole frame would be: the steps must
be per-pixel (or per-row), with no neighbourhood reaching across bands.
"""

from __future__ import annotations

from collections.abc import Iterator

#: Samples (pixels x channels) per band: a few hundred kilobytes of float32
#: intermediates, which a core's cache holds.
BAND_SAMPLES = 1 << 16


def bands(height: int, samples_per_row: int, *, min_rows: int = 1) -> Iterator[slice]:
    """Slices of rows, top to bottom, covering ``height`` rows of
    ``samples_per_row`` samples each in bands of about
    :data:`BAND_SAMPLES` samples (``min_rows`` rows at least)."""
    rows = max(1, min_rows, BAND_SAMPLES // max(1, samples_per_row))
    for y in range(0, height, rows):
        yield slice(y, min(height, y + rows))
