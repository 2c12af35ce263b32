"""Result types: :class:`Regions` (struct of arrays) and :class:`Diff`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spotdiff.decompose import GlobalChange
    from spotdiff.geometry.align import Alignment
    from spotdiff.io.image import Image


def _defer(obj: Any, name: str, compute: Callable[[], Any]) -> None:
    """Leave the field ``name`` of a frozen dataclass unset until it is first
    read: then it is ``compute()``, kept (``compute`` must be picklable for
    ``obj`` to be)."""
    object.__delattr__(obj, name)
    object.__setattr__(obj, "_deferred_" + name, compute)


def _deferred(obj: Any, name: str) -> Any:
    """A deferred field's value (see :func:`_defer`), computed on this first read."""
    source = obj.__dict__.get("_deferred_" + name)
    if source is None:
        raise AttributeError(f"'{type(obj).__name__}' object has no attribute {name!r}")
    value = source()
    object.__setattr__(obj, name, value)
    return value


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
        Per region, a list of outer contours, each int32 (k, 2) ``x, y``
        (traced on first access when the regions were found in windows,
        see :func:`spotdiff.regions.find_regions_in_rows`).
    extra : dict of str to ndarray
        Further columns, one value per region (a track id, a zone name), each
        an (n,) array; carried through indexing and concatenation and
        written by :meth:`to_list`.
    """

    xyxy: np.ndarray
    area: np.ndarray
    centroid: np.ndarray
    strength: np.ndarray
    peak: np.ndarray
    polygons: list[list[np.ndarray]] = field(default_factory=list)
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.area)
        if self.xyxy.shape != (n, 4) or self.centroid.shape != (n, 2):
            raise ValueError(f"inconsistent region arrays: xyxy {self.xyxy.shape}, area ({n},)")
        if len(self.strength) != n or len(self.peak) != n or len(self.polygons) != n:
            raise ValueError("inconsistent region arrays: strength/peak/polygons length")
        for name, column in self.extra.items():
            if not isinstance(column, np.ndarray) or len(column) != n:
                raise ValueError(f"extra column {name!r}: expected an array of {n} values, got "
                                 f"{getattr(column, 'shape', type(column).__name__)}")

    @classmethod
    def with_deferred_polygons(cls, compute: Callable[[], list[list[np.ndarray]]],
                               **fields: Any) -> Regions:
        """Regions whose ``polygons`` are ``compute()``, called on first access
        (``compute`` must be picklable for the Regions to be)."""
        regions = cls(polygons=[[] for _ in range(len(fields["area"]))], **fields)
        _defer(regions, "polygons", compute)
        return regions

    def __getattr__(self, attr: str) -> Any:
        return _deferred(self, attr)  # only reached for a field not set: deferred polygons

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

    @classmethod
    def from_boxes(cls, xyxy: Any) -> Regions:
        """Regions known only by their boxes ((n, 4) x0, y0, x1, y1, x1/y1
        exclusive): area and centroid of the box, no strength, peak or outline."""
        boxes = np.asarray(xyxy, np.int64).reshape(-1, 4)
        wh = boxes[:, 2:] - boxes[:, :2]
        return cls(
            xyxy=boxes,
            area=wh[:, 0] * wh[:, 1],
            centroid=(boxes[:, :2] + boxes[:, 2:] - 1) / 2.0,
            strength=np.zeros(len(boxes), np.float64),
            peak=np.zeros(len(boxes), np.float64),
            polygons=[[] for _ in range(len(boxes))],
        )

    @classmethod
    def concatenate(cls, parts: Sequence[Regions]) -> Regions:
        """The regions of all ``parts``, in their order (not re-sorted: see
        :meth:`largest_first`). Extra columns must be the same in every part."""
        parts = list(parts)
        if not parts:
            return cls.empty()
        names = [sorted(p.extra) for p in parts]
        if any(n != names[0] for n in names):
            raise ValueError(f"extra columns differ between the parts: {names}")
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            area=np.concatenate([p.area for p in parts]),
            centroid=np.concatenate([p.centroid for p in parts]),
            strength=np.concatenate([p.strength for p in parts]),
            peak=np.concatenate([p.peak for p in parts]),
            polygons=[polys for p in parts for polys in p.polygons],
            extra={k: np.concatenate([p.extra[k] for p in parts]) for k in names[0]},
        )

    def merge(self, other: Regions) -> Regions:
        """These regions and ``other``'s, largest first."""
        return Regions.concatenate([self, other]).largest_first()

    def largest_first(self) -> Regions:
        """The same regions ordered by area, largest first (stable)."""
        return self[np.argsort(-self.area, kind="stable")]

    def translate(self, dx: int, dy: int) -> Regions:
        """The regions moved by ``(dx, dy)`` pixels (from a window to its frame)."""
        if dx == 0 and dy == 0:
            return self
        offset = np.array([dx, dy], np.int32)
        return replace(
            self,
            xyxy=self.xyxy + np.array([dx, dy, dx, dy], np.int64),
            centroid=self.centroid + np.array([dx, dy], np.float64),
            polygons=[[poly + offset for poly in polys] for polys in self.polygons],
        )

    def with_column(self, name: str, values: Any) -> Regions:
        """A copy with the extra column ``name`` set to ``values`` ((n,))."""
        return replace(self, extra={**self.extra, name: np.asarray(values)})

    def __len__(self) -> int:
        return len(self.area)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Regions):
            return NotImplemented
        return (
            len(self) == len(other)
            and all(np.array_equal(getattr(self, k), getattr(other, k))
                    for k in ("xyxy", "area", "centroid", "strength", "peak"))
            and sorted(self.extra) == sorted(other.extra)
            and all(np.array_equal(v, other.extra[k]) for k, v in self.extra.items())
            and all(len(a) == len(b)
                    and all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
                    for a, b in zip(self.polygons, other.polygons, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]  # arrays

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
            extra={k: v[idx] for k, v in self.extra.items()},
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
            item.update((k, v[i].item()) for k, v in self.extra.items())
            out.append(item)
        return out


def _count(mask: np.ndarray) -> int:
    """Changed pixels of a mask; an unchanged pair's mask is one value
    broadcast, counted without visiting every element."""
    if mask.size and not any(mask.strides):
        return int(mask.size) if mask.flat[0] else 0
    return int(np.count_nonzero(mask))


_PENDING = np.zeros((0, 0), np.float32)  # a deferred map's placeholder, never seen


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
        writable copy), as is ``mask``. When the mask could be found without
        it (the ``pixel`` method with no cleaning), the map is computed on
        first access (the same values), so a compare that never reads it
        does not pay for it.
    mask : ndarray
        bool (H, W), the changed pixels after cleaning.
    regions : Regions
        Connected changed areas, largest first.
    method : str
        The difference method used.
    threshold : float
        The threshold applied to ``diff_map`` (resolved when automatic).
    units : str
        What ``diff_map`` measures.
    options : dict
        Every option used, JSON-ready (:meth:`spotdiff.CompareOptions.to_dict`
        with the threshold and cleaning applied).
    before, after : Image
        The inputs as loaded.
    excluded : ndarray or None
        bool (H, W): pixels the method explained away (anti-aliasing).
    identical : bool
        The inputs were identical: answered without a difference map.
    noise : float or None
        The pair's noise reading (σ, 8-bit scale; ``color`` method).
    noise_floor : float or None
        Median local noise floor of a noisy pair (ΔE; ``color``, automatic).
    compared_pixels : int or None
        Pixels compared, when a selection (ignored areas, a size policy,
        alignment) left some out.
    alignment : Alignment or None
        The registration of AFTER onto BEFORE (``align``).
    lighting : dict or None
        The lighting estimate explained away (``ignore_lighting``).
    after_aligned : ndarray or None
        AFTER warped into BEFORE's frame, when alignment moved it (what the
        pictures show as AFTER).
    global_change : GlobalChange or None
        The global part of the difference explained away before the local
        changes were found (``decompose``; the JSON's ``global``).
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
    before: Image
    after: Image
    excluded: np.ndarray | None = None
    identical: bool = False
    noise: float | None = None
    noise_floor: float | None = None
    compared_pixels: int | None = None
    alignment: Alignment | None = None
    lighting: dict[str, Any] | None = None
    after_aligned: np.ndarray | None = None
    global_change: GlobalChange | None = None

    @classmethod
    def with_deferred_map(cls, compute: Callable[[], np.ndarray], **fields: Any) -> Diff:
        """A Diff whose ``diff_map`` is ``compute()``, called on first access
        (``compute`` must be picklable for the Diff to be)."""
        diff = cls(diff_map=_PENDING, **fields)
        _defer(diff, "diff_map", compute)
        return diff

    def __getattr__(self, attr: str) -> Any:
        return _deferred(self, attr)  # only reached for a field not set: a deferred diff_map

    @property
    def info(self) -> dict[str, Any]:
        """What the stages reported, JSON-ready, as the result's JSON carries it."""
        out: dict[str, Any] = {}
        if self.identical:
            out["identical"] = True
        if self.alignment is not None:
            out["alignment"] = self.alignment.to_dict()
        if self.lighting is not None:
            out["lighting"] = self.lighting
        if self.global_change is not None:
            out["global"] = self.global_change.to_dict()
        if self.noise_floor is not None:
            out["noise_floor"] = self.noise_floor
        if self.noise is not None:
            out["noise"] = self.noise
        if self.compared_pixels is not None:
            out["compared_pixels"] = self.compared_pixels
        return out

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
            mask_pixels=_count(self.mask),
            regions=self.regions.to_list(polygons=polygons), options=self.options,
            info=self.info,
        )
