"""Annotators: draw regions, a mask or a map over a scene.

Each annotator takes its style in ``__init__`` and the data in
``annotate(scene, data)``; ``scene`` is any uint8 RGB (H, W, 3) picture (a
compare's AFTER, a video frame) and is never drawn on: the result is a new
array. The pictures of a compare are compositions of these
(:mod:`spotdiff.render.pictures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.io.display import display_rgb  # noqa: F401  (re-exported: spotdiff.render)
from spotdiff.render import font
from spotdiff.result import Regions

RGB = tuple[int, int, int]


def as_scene(scene: np.ndarray) -> np.ndarray:
    """Check a scene: uint8 (H, W, 3) RGB; gray (H, W) or (H, W, 1) is made RGB."""
    if not isinstance(scene, np.ndarray) or scene.dtype != np.uint8:
        raise InputError("scene", expected="a uint8 RGB array (H, W, 3)",
                         got=getattr(scene, "dtype", type(scene).__name__).__str__(),
                         fix="pass decoded 8-bit pixels, e.g. render.display_rgb(image)")
    if scene.ndim == 2 or (scene.ndim == 3 and scene.shape[2] == 1):
        return cv2.cvtColor(scene.reshape(scene.shape[:2]), cv2.COLOR_GRAY2RGB)
    if scene.ndim != 3 or scene.shape[2] != 3:
        raise InputError("scene", expected="an (H, W, 3) RGB array", got=f"shape {scene.shape}",
                         fix="drop the alpha channel or convert to RGB first")
    return scene


def _same_size(scene: np.ndarray, data: np.ndarray, what: str) -> None:
    if data.shape[:2] != scene.shape[:2]:
        raise InputError(what, expected=f"the scene's size {scene.shape[1]}x{scene.shape[0]}",
                         got=f"{data.shape[1]}x{data.shape[0]}" if data.ndim >= 2
                         else f"shape {data.shape}")


@dataclass(frozen=True)
class HeatmapAnnotator:
    """A difference map as a colour heat map (Turbo), scaled to ``vmax``,
    over a faded gray copy of the scene.

    ``vmax`` None scales to the map's maximum. Where the map is zero the
    faded scene shows through, and the colour grows opaque with the
    difference, so the picture says where as well as how much.
    ``underlay=False`` gives the bare colour map.
    """

    vmax: float | None = None
    colormap: int = cv2.COLORMAP_TURBO
    underlay: bool = True
    fade: float = 0.5

    def annotate(self, scene: np.ndarray, values: np.ndarray) -> np.ndarray:
        scene = as_scene(scene)
        _same_size(scene, values, "values")
        top = self.vmax
        if top is None:
            top = max(float(values.max()) if values.size else 0.0, 1e-6)
        scaled = cv2.convertScaleAbs(values, alpha=255.0 / top)
        if not self.underlay:
            return cv2.applyColorMap(scaled, rgb_colormap(self.colormap))
        gray = cv2.cvtColor(scene, cv2.COLOR_RGB2GRAY)
        base = cv2.addWeighted(gray, 1 - self.fade, np.full_like(gray, 255), self.fade, 0)
        # each output pixel is a function of (scaled, base) alone: one table
        # lookup per pixel (remap, nearest) instead of float blending per channel
        where = np.empty((*base.shape, 2), np.int16)  # remap's (x, y) = (base, scaled)
        where[:, :, 0] = base
        where[:, :, 1] = scaled
        return cv2.remap(_blend_table(self.colormap), where, None, cv2.INTER_NEAREST)


@lru_cache(maxsize=8)
def rgb_colormap(colormap: int) -> np.ndarray:
    """OpenCV's colour map ``colormap`` as a (256, 1, 3) RGB table, for
    ``cv2.applyColorMap(gray, table)``: the same colours in RGB order, and
    4x faster than naming the map (OpenCV rebuilds a named map's table on
    every call)."""
    levels = np.arange(256, dtype=np.uint8)[:, None]
    table = cv2.cvtColor(cv2.applyColorMap(levels, colormap), cv2.COLOR_BGR2RGB)
    table.flags.writeable = False
    return table


@lru_cache(maxsize=8)
def _blend_table(colormap: int) -> np.ndarray:
    """The heat map over a faded scene as a (256, 256, 3) table: row = the
    scaled value, column = the faded gray of the scene. The colour's opacity
    is 0 where nothing differs and full from a quarter of the scale up; the
    float32 arithmetic is the per-pixel blend's, so the pixels are the same."""
    levels = np.arange(256, dtype=np.uint8)
    heat = rgb_colormap(colormap)[:, 0]
    alpha = np.minimum(levels.astype(np.float32) * (4.0 / 255.0), 1.0)[:, None, None]
    base = levels.astype(np.float32)[None, :, None]
    out = base * (1.0 - alpha) + heat.astype(np.float32)[:, None, :] * alpha
    out = out.astype(np.uint8)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class BoxAnnotator:
    """Each region's box, numbered, over the scene.

    Boxes are drawn in ``color`` over a dark outline, so they stay visible
    on content of their own colour; ``thickness`` None scales with the
    image (2 px up to 1000 px, thicker beyond) so boxes survive scaling the
    picture down. Regions are numbered in their order (largest first, as in
    the JSON).
    """

    color: RGB = (255, 0, 0)
    outline: RGB = (0, 0, 0)
    thickness: int | None = None
    label: bool = True

    def annotate(self, scene: np.ndarray, regions: Regions) -> np.ndarray:
        out = as_scene(scene).copy()
        h, w = out.shape[:2]
        t = self.thickness if self.thickness is not None else max(2, round(max(h, w) / 500))
        t = max(1, t)
        for i, (x0, y0, x1, y1) in enumerate(regions.xyxy.tolist()):
            corner0, corner1 = (x0, y0), (x1 - 1, y1 - 1)
            cv2.rectangle(out, corner0, corner1, self.outline, t + 2)
            cv2.rectangle(out, corner0, corner1, self.color, t)
            if self.label:
                self._draw_label(out, str(i + 1), x0, y0, t)
        return out

    def _draw_label(self, out: np.ndarray, text: str, x0: int, y0: int, t: int) -> None:
        """Write ``text`` in place above the box corner (x0, y0) drawn ``t`` px thick
        (inside the box when there is no room above), in spotdiff's bitmap font."""
        scale = max(2, t)
        outline = max(1, t // 2)
        _, th = font.text_size(text, scale, outline)
        y = y0 - t // 2 - 2 - th
        if y < 0:
            y = y0 + (t + 1) // 2 + 2
        font.draw_text(out, text, (x0, y), self.color, scale=scale, outline=outline,
                       outline_color=self.outline)


@dataclass(frozen=True)
class OverlayAnnotator:
    """A mask's pixels tinted on the scene; the rest faded to gray."""

    color: RGB = (255, 0, 64)
    opacity: float = 0.6
    fade: float = 0.35

    def annotate(self, scene: np.ndarray, mask: np.ndarray) -> np.ndarray:
        scene = as_scene(scene)
        _same_size(scene, mask, "mask")
        gray = cv2.cvtColor(cv2.cvtColor(scene, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        base = cv2.addWeighted(scene, 1 - self.fade, gray, self.fade, 0)
        tint = np.empty_like(base)
        tint[:] = self.color
        mixed = cv2.addWeighted(base, 1 - self.opacity, tint, self.opacity, 0)
        cv2.copyTo(mixed, np.ascontiguousarray(mask).view(np.uint8), base)  # in place, SIMD
        return base


@dataclass(frozen=True)
class ExtractAnnotator:
    """The scene's pixels under a mask, on a black background."""

    def annotate(self, scene: np.ndarray, mask: np.ndarray) -> np.ndarray:
        scene = as_scene(scene)
        _same_size(scene, mask, "mask")
        out = np.zeros_like(scene)
        out[mask] = scene[mask]
        return out
