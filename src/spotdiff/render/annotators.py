"""Heat map, mask, boxes side by side, overlay and extraction pictures."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from spotdiff.io.image import Image
from spotdiff.result import Diff

RGB = tuple[int, int, int]


def display_rgb(image: Image, shape: tuple[int, int] | None = None) -> np.ndarray:
    """An 8-bit RGB copy of ``image`` for drawing (alpha over white).

    ``shape`` (H, W) pads or crops to the diff's frame when a size policy
    changed it.
    """
    px = image.pixels
    if px.dtype != np.uint8:
        px = cv2.convertScaleAbs(px.astype(np.float32), alpha=255.0 / image.data_range)
        px = px.reshape(image.pixels.shape)
    if px.shape[2] == 1:
        out = cv2.cvtColor(px, cv2.COLOR_GRAY2RGB)
    elif px.shape[2] == 4:
        a = px[:, :, 3:4].astype(np.float32) / 255.0
        out = (px[:, :, :3] * a + 255.0 * (1 - a)).astype(np.uint8)
    else:
        out = px.copy()
    if shape is not None and out.shape[:2] != shape:
        h, w = shape
        canvas = np.zeros((h, w, 3), np.uint8)
        hh, ww = min(h, out.shape[0]), min(w, out.shape[1])
        canvas[:hh, :ww] = out[:hh, :ww]
        out = canvas
    return out


def _after_in_frame(diff: Diff) -> np.ndarray:
    warped = diff.after_aligned
    if warped is not None:
        return display_rgb(Image(warped, diff.after.data_range), diff.mask.shape)
    return display_rgb(diff.after, diff.mask.shape)


@dataclass(frozen=True)
class HeatmapAnnotator:
    """The difference map as a colour heat map (Turbo), scaled to ``vmax``,
    over a faded gray copy of AFTER.

    ``vmax`` None scales to the map's maximum (at least twice the threshold,
    so an unchanged pair stays quiet). Where the map is zero the faded image
    shows through, and the colour grows opaque with the difference, so the
    picture says where as well as how much. ``underlay=False`` gives the
    bare colour map.
    """

    vmax: float | None = None
    colormap: int = cv2.COLORMAP_TURBO
    underlay: bool = True
    fade: float = 0.5

    def annotate(self, diff: Diff) -> np.ndarray:
        values = diff.diff_map
        top = self.vmax
        if top is None:
            peak = float(values.max()) if values.size else 0.0
            top = max(peak, float(diff.threshold) * 2 if np.isfinite(diff.threshold) else 1.0, 1e-6)
        scaled = cv2.convertScaleAbs(values, alpha=255.0 / top)
        heat = cv2.cvtColor(cv2.applyColorMap(scaled, self.colormap), cv2.COLOR_BGR2RGB)
        if not self.underlay:
            return heat
        gray = cv2.cvtColor(_after_in_frame(diff), cv2.COLOR_RGB2GRAY)
        base = cv2.cvtColor(cv2.addWeighted(gray, 1 - self.fade, np.full_like(gray, 255),
                                            self.fade, 0), cv2.COLOR_GRAY2RGB)
        # opacity: 0 where nothing differs, full from a quarter of the scale up
        alpha = np.minimum(scaled.astype(np.float32) * (4.0 / 255.0), 1.0)[:, :, None]
        out = base.astype(np.float32) * (1.0 - alpha) + heat.astype(np.float32) * alpha
        return out.astype(np.uint8)


@dataclass(frozen=True)
class MaskAnnotator:
    """The cleaned mask as a 0/255 gray image."""

    def annotate(self, diff: Diff) -> np.ndarray:
        return diff.mask.view(np.uint8) * np.uint8(255)


@dataclass(frozen=True)
class BoxAnnotator:
    """BEFORE and AFTER side by side with each region's box on both.

    Boxes are drawn in ``color`` over a dark outline, so they stay visible
    on content of their own colour; ``thickness`` None scales with the
    image (2 px up to 1000 px, thicker beyond) so boxes survive scaling the
    picture down. Regions are numbered largest first, as in the JSON.
    """

    color: RGB = (255, 0, 0)
    outline: RGB = (0, 0, 0)
    thickness: int | None = None
    gap: int = 8
    label: bool = True

    def draw(self, rgb: np.ndarray, diff: Diff) -> np.ndarray:
        out = rgb.copy()
        h, w = out.shape[:2]
        t = self.thickness if self.thickness is not None else max(2, round(max(h, w) / 500))
        t = max(1, t)
        scale = max(0.45, t * 0.25)
        for i, (x0, y0, x1, y1) in enumerate(diff.regions.xyxy.tolist()):
            corner0, corner1 = (x0, y0), (x1 - 1, y1 - 1)
            cv2.rectangle(out, corner0, corner1, self.outline, t + 2)
            cv2.rectangle(out, corner0, corner1, self.color, t)
            if self.label:
                at = (x0, max(int(14 * scale / 0.45), y0 - t - 2))
                for colour, weight in ((self.outline, t + 2), (self.color, max(1, t - 1))):
                    cv2.putText(out, str(i + 1), at, cv2.FONT_HERSHEY_SIMPLEX, scale, colour,
                                weight, cv2.LINE_AA)
        return out

    def annotate(self, diff: Diff) -> np.ndarray:
        h, w = diff.mask.shape
        left = self.draw(display_rgb(diff.before, (h, w)), diff)
        right = self.draw(_after_in_frame(diff), diff)
        canvas = np.full((h, 2 * w + self.gap, 3), 255, np.uint8)
        canvas[:, :w] = left
        canvas[:, w + self.gap :] = right
        return canvas


@dataclass(frozen=True)
class OverlayAnnotator:
    """Changed pixels tinted on the AFTER image; the rest faded to gray."""

    color: RGB = (255, 0, 64)
    opacity: float = 0.6
    fade: float = 0.35

    def annotate(self, diff: Diff) -> np.ndarray:
        after = _after_in_frame(diff)
        gray = cv2.cvtColor(cv2.cvtColor(after, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        base = cv2.addWeighted(after, 1 - self.fade, gray, self.fade, 0)
        tint = np.empty_like(base)
        tint[:] = self.color
        mixed = cv2.addWeighted(base, 1 - self.opacity, tint, self.opacity, 0)
        cv2.copyTo(mixed, diff.mask.view(np.uint8), base)  # in place, SIMD
        return base


@dataclass(frozen=True)
class ExtractAnnotator:
    """The AFTER image's changed pixels on a black background."""

    def annotate(self, diff: Diff) -> np.ndarray:
        after = _after_in_frame(diff)
        out = np.zeros_like(after)
        out[diff.mask] = after[diff.mask]
        return out
