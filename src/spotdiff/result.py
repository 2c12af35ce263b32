"""Result types: :class:`Regions` (struct of arrays) and :class:`Diff`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Regions:
    """Changed regions, largest first, as parallel arrays.

    Attributes
    ----------
    xyxy : ndarray
        int64 (n, 4): ``x0, y0, x1, y1`` with x1/y1 exclusive, so width is
        ``x1 - x0``.
    area : ndarray
        int64 (n,): changed pixels of the cleaned mask inside the region.
    centroid : ndarray
        float64 (n, 2): ``x, y`` mean of the region's pixels.
    strength : ndarray
        float64 (n,): mean of the difference map over the region's pixels.
    peak : ndarray
        float64 (n,): maximum of the difference map in the region.
    polygons : list of ndarray
        Per region, a list of outer contours, each int32 (k, 2) ``x, y``.
    """

    xyxy: np.ndarray
    area: np.ndarray
    centroid: np.ndarray
    strength: np.ndarray
    peak: np.ndarray
    polygons: list[list[np.ndarray]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.area)
        if self.xyxy.shape != (n, 4) or self.centroid.shape != (n, 2):
            raise ValueError(f"inconsistent region arrays: xyxy {self.xyxy.shape}, area ({n},)")
        if len(self.strength) != n or len(self.peak) != n or len(self.polygons) != n:
            raise ValueError("inconsistent region arrays: strength/peak/polygons length")

    @classmethod
    def empty(cls) -> Regions:
        return cls(
            xyxy=np.zeros((0, 4), np.int64),
            area=np.zeros(0, np.int64),
            centroid=np.zeros((0, 2), np.float64),
            strength=np.zeros(0, np.float64),
            peak=np.zeros(0, np.float64),
            polygons=[],
        )

    def __len__(self) -> int:
        return len(self.area)

    def __getitem__(self, index: Any) -> Regions:
        """Select regions by int, slice, int array or boolean mask."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        idx = np.arange(len(self))[index]
        return Regions(
            xyxy=self.xyxy[idx],
            area=self.area[idx],
            centroid=self.centroid[idx],
            strength=self.strength[idx],
            peak=self.peak[idx],
            polygons=[self.polygons[i] for i in np.atleast_1d(idx)],
        )

    @property
    def wh(self) -> np.ndarray:
        """(n, 2) width and height of each box."""
        return self.xyxy[:, 2:] - self.xyxy[:, :2]

    def to_list(self, *, polygons: bool = True) -> list[dict[str, Any]]:
        out = []
        for i in range(len(self)):
            item: dict[str, Any] = {
                "bbox": [int(v) for v in self.xyxy[i]],
                "area": int(self.area[i]),
                "centroid": [round(float(v), 2) for v in self.centroid[i]],
                "strength": round(float(self.strength[i]), 4),
                "peak": round(float(self.peak[i]), 4),
            }
            if polygons:
                item["polygons"] = [p.tolist() for p in self.polygons[i]]
            out.append(item)
        return out


@dataclass(frozen=True, eq=False)
class Diff:
    """What changed between two images: the decision, the numbers, the where.

    Attributes
    ----------
    different : bool
        True when at least one region survives cleaning and the change is
        above the ``max_changed_pixels`` / ``max_changed_fraction`` gates.
    changed_pixels : int
        Pixels above threshold before any cleaning (anti-aliased pixels the
        method explains away are not counted): the number pixelmatch, odiff
        and ImageMagick ``-metric AE`` report.
    changed_fraction : float
        ``changed_pixels`` over the pixels compared.
    score : float
        The method's similarity score (mean SSIM for ``ssim``).
    diff_map : ndarray
        float32 (H, W), higher = more different, in ``units``. For identical
        inputs a read-only view of zeros (``np.array(diff.diff_map)`` for a
        writable copy), as is ``mask``.
    mask : ndarray
        bool (H, W), the changed pixels after cleaning.
    regions : Regions
        Connected changed areas, largest first.
    method : str
        The difference method used.
    threshold : float
        The threshold applied to ``diff_map`` (resolved when automatic).
    options : dict
        Every option used, JSON-ready.
    """

    different: bool
    changed_pixels: int
    changed_fraction: float
    score: float
    diff_map: np.ndarray
    mask: np.ndarray
    regions: Regions
    method: str
    threshold: float
    units: str
    options: dict[str, Any]
    before: Any = None
    after: Any = None
    excluded: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def height(self) -> int:
        return int(self.mask.shape[0])

    @property
    def width(self) -> int:
        return int(self.mask.shape[1])

    def to_dict(self, *, polygons: bool = True) -> dict[str, Any]:
        """JSON-ready summary (no arrays beyond region geometry; see
        :func:`spotdiff.summary.summary`)."""
        from spotdiff.summary import summary

        return summary(
            different=self.different, changed_pixels=self.changed_pixels,
            changed_fraction=self.changed_fraction, score=self.score, method=self.method,
            threshold=self.threshold, units=self.units, width=self.width, height=self.height,
            mask_pixels=np.count_nonzero(self.mask),
            regions=self.regions.to_list(polygons=polygons), options=self.options,
            info=self.info,
        )
