"""pixelmatch's diff image, byte for byte.

pixelmatch writes an RGBA picture of the same size as the inputs: the
BEFORE image as faint gray (its luma blended towards white by ``alpha``),
differing pixels in ``diff_color`` (``diff_color_alt`` where AFTER is
darker), anti-aliased pixels in ``aa_color``; with ``diff_mask`` only the
differing pixels are drawn, on a transparent background.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spotdiff import mask as masks
from spotdiff.errors import InputError
from spotdiff.io.image import Image
from spotdiff.metrics.pixel import signed_delta
from spotdiff.result import Diff

RGB = tuple[int, int, int]

# pixelmatch's luma weights (its YIQ "Y" row).
_YR, _YG, _YB = 0.29889531, 0.58662247, 0.11448223


def _check_color(name: str, value: RGB | None) -> None:
    if value is None:
        return
    ok = len(value) == 3 and all(isinstance(v, (int, np.integer)) and 0 <= v <= 255
                                 for v in value)
    if not ok:
        raise InputError(name, expected="three integers 0..255 (R, G, B)", got=repr(value))


def rgba8(image: Image, shape: tuple[int, int]) -> np.ndarray:
    """An image as 8-bit RGBA in a frame of ``shape`` (H, W), anchored top
    left; uncovered frame pixels are transparent black (0, 0, 0, 0)."""
    px = image.pixels
    if px.dtype != np.uint8:
        scaled = np.rint(px.astype(np.float64) * (255.0 / image.data_range))
        px = np.clip(scaled, 0, 255).astype(np.uint8)
    c = px.shape[2]
    if c == 1:
        px = np.repeat(px, 3, axis=2)
    if px.shape[2] == 3:
        px = np.concatenate([px, np.full(px.shape[:2] + (1,), 255, np.uint8)], axis=2)
    if px.shape[:2] == shape:
        return np.ascontiguousarray(px)
    out = np.zeros(shape + (4,), np.uint8)
    hh, ww = min(shape[0], px.shape[0]), min(shape[1], px.shape[1])
    out[:hh, :ww] = px[:hh, :ww]
    return out


def faded_gray(rgba: np.ndarray, alpha: float) -> np.ndarray:
    """pixelmatch's background: each pixel's luma blended with white,
    ``255 + (Y - 255) * alpha * A / 255``, truncated to 8 bits, as (H, W)."""
    px = rgba.astype(np.float64)
    luma = px[..., 0] * _YR + px[..., 1] * _YG + px[..., 2] * _YB
    value = 255.0 + (luma - 255.0) * alpha * px[..., 3] / 255.0
    return np.trunc(value).astype(np.uint8)


@dataclass(frozen=True)
class PixelmatchDiffAnnotator:
    """The diff image pixelmatch draws, from a :class:`~spotdiff.result.Diff`.

    Parameters
    ----------
    alpha : float
        Opacity of the faded BEFORE image (pixelmatch's ``alpha``, 0..1).
    aa_color : (R, G, B)
        Anti-aliased pixels (``aaColor``).
    diff_color : (R, G, B)
        Changed pixels (``diffColor``).
    diff_color_alt : (R, G, B), optional
        Changed pixels where AFTER is darker (``diffColorAlt``); None draws
        them in ``diff_color``.
    diff_mask : bool
        Draw only the changed pixels over a transparent background
        (``diffMask``); anti-aliased pixels are then not drawn either.

    Notes
    -----
    The picture matches pixelmatch 7.2.0's output exactly for a pair
    compared with ``method="pixel"`` and default cleaning (no morphology),
    where the final mask is exactly the counted pixels. Changed pixels are
    those of the final mask (so ignored areas stay gray and
    ``size="pad-count"``'s one-sided pixels are drawn); anti-aliased pixels are those
    above the threshold that the method explained away.

    Examples
    --------
    >>> import numpy as np, spotdiff
    >>> a = np.zeros((4, 4, 3), np.uint8); b = a.copy(); b[1, 1] = 255
    >>> d = spotdiff.compare(a, b, method="pixel")
    >>> PixelmatchDiffAnnotator().annotate(d)[1, 1].tolist()
    [255, 0, 0, 255]
    """

    alpha: float = 0.1
    aa_color: RGB = (255, 255, 0)
    diff_color: RGB = (255, 0, 0)
    diff_color_alt: RGB | None = None
    diff_mask: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise InputError("alpha", expected="a number from 0 to 1", got=repr(self.alpha))
        _check_color("aa_color", self.aa_color)
        _check_color("diff_color", self.diff_color)
        _check_color("diff_color_alt", self.diff_color_alt)

    def annotate(self, diff: Diff) -> np.ndarray:
        """The RGBA (H, W, 4) uint8 picture."""
        h, w = diff.mask.shape
        before = rgba8(diff.before, (h, w))
        warped = diff.after_aligned
        after_image = Image(warped, diff.after.data_range) if warped is not None else diff.after
        after = rgba8(after_image, (h, w))

        out = np.zeros((h, w, 4), np.uint8)
        if not self.diff_mask:
            out[..., :3] = faded_gray(before, float(self.alpha))[..., None]
            out[..., 3] = 255
        above = masks.above(diff.diff_map, diff.threshold)
        aa = np.zeros_like(above)
        if diff.excluded is not None and not diff.options.get("include_aa", False):
            aa = above & diff.excluded
        if not self.diff_mask:
            out[aa] = (*self.aa_color, 255)
        changed = diff.mask & ~aa
        idx = np.flatnonzero(changed)
        if len(idx):
            blend = diff.options.get("alpha_blend", "checkerboard")
            darker = signed_delta(before, after, idx, alpha_blend=blend) < 0
            flat = out.reshape(-1, 4)
            flat[idx] = (*self.diff_color, 255)
            if self.diff_color_alt is not None:
                flat[idx[darker]] = (*self.diff_color_alt, 255)
        return out
