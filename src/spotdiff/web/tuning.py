"""What the page may change on a running camera: one frozen, validated value.

The tuning view's sliders (minimum area, the model's threshold) and the zone
editor's polygons make a :class:`Tuning`; the server checks it and writes it
beside the camera's live pictures, the watch applies it to its
:class:`~spotdiff.watch.config.WatchConfig` (``apply``), and ``save`` writes
it into the camera's table of the TOML config file, keeping the rest of the
file as it was (comments and order included, by tomlkit).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spotdiff.errors import InputError
from spotdiff.watch.config import FIELDS, WatchConfig, Zone

#: Longest zone name the page accepts (names are shown on pictures and in lists).
MAX_NAME = 80


@dataclass(frozen=True)
class Tuning:
    """Minimum area (frame pixels), the model's threshold (None: unchanged or
    the model has none), and the zones (name -> polygon in frame pixels)."""

    min_area: int
    threshold: float | None
    zones: tuple[Zone, ...]

    def __post_init__(self) -> None:
        low = FIELDS["min_area"][0]
        if isinstance(self.min_area, bool) or not isinstance(self.min_area, int) \
                or self.min_area < low:
            raise InputError("'min_area'", expected=f"a whole number >= {low:g}",
                             got=repr(self.min_area))
        if self.threshold is not None and (
                isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float))
                or not math.isfinite(self.threshold) or not 0 < self.threshold <= 1000):
            raise InputError("'threshold'", expected="a number in (0, 1000]",
                             got=repr(self.threshold))
        names = [z.name for z in self.zones]
        if len(set(names)) != len(names):
            raise InputError("'zones'", expected="distinct zone names", got=", ".join(names))
        for zone in self.zones:
            if not zone.name.strip() or len(zone.name) > MAX_NAME:
                raise InputError("zone name", expected=f"1 to {MAX_NAME} characters",
                                 got=repr(zone.name))
            if len(zone.points) < 3:
                raise InputError(f"zone '{zone.name}'", expected="a polygon of at least 3 points",
                                 got=f"{len(zone.points)} point(s)")

    @classmethod
    def of(cls, config: WatchConfig) -> Tuning:
        """The tuning a camera runs with."""
        option = threshold_option(config)
        threshold = None
        if option is not None:
            threshold = config.model_options.get(option, _default(config.model, option))
        return cls(config.min_area, threshold, config.zones)

    @classmethod
    def from_json(cls, data: Any) -> Tuning:
        """From the page's JSON: ``{"min_area": 64, "threshold": 24, "zones":
        [{"name": "door", "points": [[x, y], ...]}]}``; raises InputError."""
        if not isinstance(data, dict):
            raise InputError("tuning", expected="a JSON object", got=type(data).__name__)
        zones = []
        for item in data.get("zones", []):
            try:
                name = item["name"]
                points = tuple((int(round(float(x))), int(round(float(y))))
                               for x, y in item["points"])
            except (KeyError, TypeError, ValueError):
                raise InputError("a zone", expected='{"name": NAME, "points": [[x, y], ...]}',
                                 got=repr(item)[:80]) from None
            if not isinstance(name, str):
                raise InputError("zone name", expected="a string", got=repr(name)[:80])
            zones.append(Zone(name, points))
        return cls(data.get("min_area"),  # type: ignore[arg-type]  # checked by __post_init__
                   data.get("threshold"), tuple(zones))

    def to_dict(self) -> dict[str, Any]:
        return {"min_area": self.min_area, "threshold": self.threshold,
                "zones": [{"name": z.name, "points": [list(p) for p in z.points]}
                          for z in self.zones]}

    def apply(self, config: WatchConfig) -> WatchConfig:
        """``config`` with this tuning (checked again as a whole by WatchConfig)."""
        options = dict(config.model_options)
        option = threshold_option(config)
        if option is not None and self.threshold is not None:
            options[option] = self.threshold
        return dataclasses.replace(config, min_area=self.min_area, zones=self.zones,
                                   model_options=options)


def threshold_option(config: WatchConfig) -> str | None:
    """The option of the camera's model that the threshold slider sets (None: no slider)."""
    if config.background is not None:
        return None
    from spotdiff.background import MODELS

    return MODELS[config.model].threshold_option


def _default(model: str, option: str) -> float:
    import inspect

    from spotdiff.background import MODELS

    return float(inspect.signature(MODELS[model]).parameters[option].default)


def save(path: str | os.PathLike, camera: str, tuning: Tuning, option: str | None) -> None:
    """Write ``tuning`` into ``[cameras.CAMERA]`` of the TOML file at ``path``
    (``min_area``, ``zones``, and ``model_options.OPTION`` for the threshold),
    all or nothing; the rest of the file is kept as it was."""
    from spotdiff.errors import require
    from spotdiff.io.write import written_atomically

    tomlkit = require("tomlkit", feature="saving settings from the web page", extra="web")
    path = Path(path)
    try:
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"config file '{path}'", expected="a readable file",
                         got=exc.strerror or str(exc)) from None
    cameras = doc.get("cameras")
    if cameras is None or camera not in cameras:
        raise InputError(f"config file '{path}'", expected=f"a [cameras.\"{camera}\"] table",
                         got="none", fix="the file changed since the watch started")
    table = cameras[camera]
    table["min_area"] = tuning.min_area
    zones = tomlkit.inline_table()
    for zone in tuning.zones:
        zones[zone.name] = " ".join(f"{x},{y}" for x, y in zone.points)
    table["zones"] = zones
    if option is not None and tuning.threshold is not None:
        options = table.get("model_options")
        if options is None:
            options = tomlkit.inline_table()
        options[option] = tuning.threshold
        table["model_options"] = options
    text = tomlkit.dumps(doc)
    with written_atomically(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
