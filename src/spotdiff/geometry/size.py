"""Size policies for images of different sizes.

Every policy returns the two pixel arrays at one size and a ``valid`` mask
(bool, in BEFORE's frame after the policy) of pixels covered by both
images; pixels outside it are never reported as changes.
"""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.io.probe import Header, check_pair_memory, check_pixels
from spotdiff.options import SIZE_POLICIES


def apply_size_policy(
    before: np.ndarray, after: np.ndarray, policy: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Make ``before`` and ``after`` the same size.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays.
    policy : {"error", "pad", "pad-count", "crop", "resize"}
        ``error`` refuses different sizes; ``pad`` pads both to the larger
        size at the bottom/right (the padding counts as not compared);
        ``pad-count`` pads the same way but compares the whole canvas (the
        caller counts the pixels only one image covers as changed, see
        :func:`one_sided`: odiff's rule);
        ``crop`` keeps the common top-left area; ``resize`` resizes AFTER to
        BEFORE's size (area interpolation when shrinking, cubic otherwise).

    Returns
    -------
    before, after, valid
        ``valid`` is None when every pixel is compared.
    """
    if policy not in SIZE_POLICIES:
        raise InputError(
            "size",
            expected="one of " + ", ".join(SIZE_POLICIES),
            got=repr(policy),
            fix="set size to one of those",
        )
    hb, wb = before.shape[:2]
    ha, wa = after.shape[:2]
    if (hb, wb) == (ha, wa):
        return before, after, None
    if policy == "error":
        raise InputError(
            "image sizes",
            expected="two images of the same size",
            got=f"before {wb}x{hb} and after {wa}x{ha}",
            fix="set size to 'pad', 'crop' or 'resize' (or align to 'auto' for a "
            "shifted camera) to compare them anyway",
        )
    if policy == "crop":
        h, w = min(hb, ha), min(wb, wa)
        return (
            np.ascontiguousarray(before[:h, :w]),
            np.ascontiguousarray(after[:h, :w]),
            None,
        )
    if policy in ("pad", "pad-count"):
        h, w = max(hb, ha), max(wb, wa)
        canvas = Header("array", w, h, max(before.shape[2], after.shape[2]),
                        before.dtype.itemsize)
        check_pixels(w, h, f"padded canvas for before {wb}x{hb} and after {wa}x{ha}")
        check_pair_memory(canvas, canvas)
        if policy == "pad-count":
            return _pad(before, h, w), _pad(after, h, w), None
        valid = np.zeros((h, w), np.bool_)
        valid[: min(hb, ha), : min(wb, wa)] = True
        return _pad(before, h, w), _pad(after, h, w), valid
    shrinking = wa * ha > wb * hb
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    resized = cv2.resize(after, (wb, hb), interpolation=interp)
    if resized.ndim == 2:
        resized = resized[:, :, None]
    return before, resized, None


def one_sided(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Pixels that only one of two differently sized images covers.

    Both images are anchored top left on the larger canvas, as ``pad`` and
    ``pad-count`` place them.

    Returns
    -------
    (covered_once, changed) or None
        bool (H, W) masks on the canvas: the pixels covered by exactly one
        image, and those of them that image does not leave fully
        transparent (odiff counts these as different). None when the sizes
        are equal.
    """
    hb, wb = before.shape[:2]
    ha, wa = after.shape[:2]
    if (hb, wb) == (ha, wa):
        return None
    h, w = max(hb, ha), max(wb, wa)
    covered_once = np.zeros((h, w), np.bool_)
    changed = np.zeros((h, w), np.bool_)
    for image, other in ((before, after), (after, before)):
        ih, iw = image.shape[:2]
        only = np.ones((ih, iw), np.bool_)
        only[: other.shape[0], : other.shape[1]] = False
        covered_once[:ih, :iw] |= only
        if image.ndim == 3 and image.shape[2] == 4:
            only &= image[:, :, 3] != 0
        changed[:ih, :iw] |= only
    return covered_once, changed


def _pad(image: np.ndarray, h: int, w: int) -> np.ndarray:
    ih, iw = image.shape[:2]
    if (ih, iw) == (h, w):
        return image
    out = cv2.copyMakeBorder(image, 0, h - ih, 0, w - iw, cv2.BORDER_CONSTANT, value=0)
    return out if out.ndim == 3 else out[:, :, None]
