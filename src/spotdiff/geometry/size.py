"""Size policies for images of different sizes.

Every policy returns the two pixel arrays at one size and a ``valid`` mask
(bool, in BEFORE's frame after the policy) of pixels covered by both
images; pixels outside it are never reported as changes.
"""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.errors import InputError

SIZE_POLICIES = ("error", "pad", "crop", "resize")


def apply_size_policy(
    before: np.ndarray, after: np.ndarray, policy: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Make ``before`` and ``after`` the same size.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays.
    policy : {"error", "pad", "crop", "resize"}
        ``error`` refuses different sizes; ``pad`` pads both to the larger
        size at the bottom/right (the padding counts as not compared);
        ``crop`` keeps the common top-left area; ``resize`` resizes AFTER to
        BEFORE's size (area interpolation when shrinking, cubic otherwise).

    Returns
    -------
    before, after, valid
        ``valid`` is None when every pixel is compared.
    """
    if policy not in SIZE_POLICIES:
        raise InputError(
            "size policy",
            expected="one of " + ", ".join(SIZE_POLICIES),
            got=repr(policy),
            fix="pass --size error|pad|crop|resize",
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
            fix="pass --size pad, --size crop or --size resize (or --align auto for a "
            "shifted camera) to compare them anyway",
        )
    if policy == "crop":
        h, w = min(hb, ha), min(wb, wa)
        return (
            np.ascontiguousarray(before[:h, :w]),
            np.ascontiguousarray(after[:h, :w]),
            None,
        )
    if policy == "pad":
        h, w = max(hb, ha), max(wb, wa)
        valid = np.zeros((h, w), np.bool_)
        valid[: min(hb, ha), : min(wb, wa)] = True
        return _pad(before, h, w), _pad(after, h, w), valid
    shrinking = wa * ha > wb * hb
    interp = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    resized = cv2.resize(after, (wb, hb), interpolation=interp)
    if resized.ndim == 2:
        resized = resized[:, :, None]
    return before, resized, None


def _pad(image: np.ndarray, h: int, w: int) -> np.ndarray:
    ih, iw = image.shape[:2]
    if (ih, iw) == (h, w):
        return image
    out = cv2.copyMakeBorder(image, 0, h - ih, 0, w - iw, cv2.BORDER_CONSTANT, value=0)
    return out if out.ndim == 3 else out[:, :, None]
