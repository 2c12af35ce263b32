"""The options of a watched camera: one frozen, validated value.

Every field carries its range and a one-line description (:data:`FIELDS`);
the CLI, a config file and library callers build one :class:`WatchConfig`
and pass it down. Errors name the key (and the camera).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from spotdiff.errors import InputError


@dataclass(frozen=True)
class Zone:
    """A named polygon in image coordinates; an event counts only when a region touches one."""

    name: str
    points: tuple[tuple[int, int], ...]


#: name -> (low, high or None, description) for the numeric fields.
FIELDS: dict[str, tuple[float, float | None, str]] = {
    "min_area": (1, None, "smallest region that counts, in pixels of the frame"),
    "merge_gap": (0, 200, "regions closer than this many pixels are one object"),
    "min_frames": (1, 100, "an object must be present in this many of the last window frames"),
    "window": (1, 100, "frames looked back at for min_frames"),
    "event_gap": (0, 3600, "seconds without the object before its event ends ('gone')"),
    "hold": (0, 86400, "seconds an event may stay open before its object becomes "
                       "background ('absorbed'); 0: never"),
    "pre": (0, 60, "seconds of video before the event kept in its clip"),
    "post": (0, 60, "seconds of video after the event kept in its clip"),
    "fps": (0.1, 1000, "frames per second of a folder of frames (times in seconds)"),
    "global_fraction": (0.05, 1, "changed fraction of the frame above which the frame is a "
                                 "global change (re-learn, no event)"),
    "scale": (0.05, 1, "the detector works at this fraction of the frame size"),
    "clip_height": (0, 4320, "height of clips in pixels (0: the source's)"),
    "learn_frames": (0, 10000, "frames after a start or re-learn that raise no event "
                               "(a young model still calls moving background foreground)"),
    "update_every": (0, 3600, "seconds between 'update' records of an open event"),
}


@dataclass(frozen=True)
class WatchConfig:
    """How one camera is watched (see :data:`FIELDS` for ranges).

    ``protect``: the pixels of open events are not learnt into the
    background (a stopped intruder stays detected until ``hold``); False
    leaves the model to learn everything (for comparison).
    """

    camera: str | None = None
    model: str = "consensus"
    background: str | None = None
    min_area: int = 64
    merge_gap: int = 16
    zones: tuple[Zone, ...] = ()
    masks: tuple[tuple[tuple[int, int], ...], ...] = ()
    mask_image: str | None = None
    min_frames: int = 3
    window: int = 5
    event_gap: float = 2.0
    hold: float = 300.0
    pre: float = 2.0
    post: float = 2.0
    fps: float = 25.0
    realtime: bool = False
    global_fraction: float = 0.6
    scale: float | None = None
    clip_format: str = "mp4"
    clip_height: int = 720
    clips: bool = True
    snapshots: bool = True
    update_every: float = 1.0
    learn_frames: int = 50
    protect: bool = True
    model_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f" of camera '{self.camera}'" if self.camera else ""
        for key, (low, high, text) in FIELDS.items():
            value = getattr(self, key)
            if key == "scale" and value is None:
                continue
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) and value >= low and (high is None or value <= high)
            if ok and key in FIELDS_TYPES and value != int(value):
                ok = False
            if not ok:
                span = f"from {low:g} to {high:g}" if high is not None else f">= {low:g}"
                raise InputError(f"'{key}'{where}", expected=f"a number {span} ({text})",
                                 got=repr(value))
        if self.min_frames > self.window:
            raise InputError(f"'min_frames'{where}",
                             expected=f"at most 'window' ({self.window}) frames",
                             got=repr(self.min_frames), fix="raise window or lower min_frames")
        if self.clip_format not in ("mp4", "webm"):
            raise InputError(f"'clip_format'{where}", expected="'mp4' (H.264) or 'webm' (VP9)",
                             got=repr(self.clip_format))
        from spotdiff.background import MODELS

        if self.model not in MODELS:
            raise InputError(f"'model'{where}", expected="one of " + ", ".join(MODELS),
                             got=repr(self.model))
        names = [z.name for z in self.zones]
        if len(set(names)) != len(names):
            raise InputError(f"'zones'{where}", expected="distinct zone names",
                             got=", ".join(names))
        for poly in [z.points for z in self.zones] + list(self.masks):
            if len(poly) < 3:
                raise InputError(f"'zones'/'masks'{where}",
                                 expected="polygons of at least 3 points", got=repr(poly))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Fields holding whole numbers.
FIELDS_TYPES: dict[str, type] = {"min_area": int, "merge_gap": int, "min_frames": int,
                                 "window": int, "clip_height": int, "learn_frames": int}


def describe() -> str:
    """One line per field: name, range, description (for docs and --help)."""
    lines = []
    for key, (low, high, text) in FIELDS.items():
        span = f"[{low:g}, {high:g}]" if high is not None else f">= {low:g}"
        lines.append(f"{key} {span}: {text}")
    return "\n".join(lines)
