"""The compare options of each item: the command line's for every item, and
a TOML config file that overrides them per path pattern.

The config file::

    # options for every item (the command line's take precedence over these)
    [options]
    method = "color"

    # later sections win over earlier ones when several patterns match
    [[override]]
    pattern = "pages/checkout/*.png"     # fnmatch on the item's name
    ignore = [[0, 0, 1280, 64]]          # the clock in the header

    [[override]]
    pattern = "photos/**"
    threshold = 6
    max_changed_fraction = 0.001

Keys are :func:`spotdiff.compare`'s keyword arguments (``min_area`` or
``min-area``). :func:`item_options` is the one place that builds an item's
options.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spotdiff.errors import InputError

#: Options that depend on the image's size (checked per item, not up front).
_SIZED = ("ignore", "ignore_polygons", "ignore_mask", "only_mask")


def _known_options() -> tuple[str, ...]:
    from dataclasses import fields

    from spotdiff.options import CompareOptions

    return tuple(f.name for f in fields(CompareOptions) if f.name not in ("polygons", "data_range"))


@dataclass(frozen=True)
class BatchConfig:
    """Options for every item (``base``) and overrides per name pattern,
    applied in order (``overrides``: pattern, options)."""

    base: dict[str, Any] = field(default_factory=dict)
    overrides: tuple[tuple[str, dict[str, Any]], ...] = ()

    def item_options(self, name: str) -> dict[str, Any]:
        """The keyword arguments of :func:`spotdiff.compare` for the item ``name``."""
        options = dict(self.base)
        for pattern, extra in self.overrides:
            if fnmatch.fnmatchcase(name, pattern):
                options.update(extra)
        return options

    def to_dict(self) -> dict[str, Any]:
        """The record in ``summary.json``."""
        return {"options": _jsonable(self.base),
                "overrides": [{"pattern": p, **_jsonable(o)} for p, o in self.overrides]}


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(map(list, v)) if k in ("ignore", "ignore_polygons") else v)
            for k, v in options.items()}


def _normalise(table: dict[str, Any], where: str, root: Path) -> dict[str, Any]:
    known = _known_options()
    out = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name == "ignore_polygon":
            name = "ignore_polygons"
        if name not in known:
            raise InputError(f"{where}: key '{key}'", expected="a compare option: " +
                             ", ".join(known), got=repr(key), fix="fix or remove the key")
        if name in ("ignore_mask", "only_mask") and isinstance(value, str):
            value = str(root / value)  # relative to the config file
        out[name] = value
    return out


def check_options(options: dict[str, Any], where: str) -> None:
    """Refuse options :func:`spotdiff.compare` refuses, naming ``where``:
    a real compare of two small identical images with these options (those
    that depend on the image's size are checked on each item)."""
    import numpy as np

    from spotdiff.engine import compare

    blank = np.zeros((64, 64, 3), np.uint8)
    try:
        compare(blank, blank.copy(), **{k: v for k, v in options.items() if k not in _SIZED})
    except (InputError, TypeError, ValueError) as exc:
        raise InputError(where, expected="options spotdiff.compare accepts", got=str(exc),
                         fix="fix the option") from None


def load_config(path: str | os.PathLike | None, base: dict[str, Any]) -> BatchConfig:
    """The batch's options: ``base`` (from the command line) over the config
    file's ``[options]``, then its ``[[override]]`` sections; every set of
    options checked once up front."""
    import tomllib

    if path is None:
        check_options(base, "options")
        return BatchConfig(dict(base))
    source = Path(path)
    try:
        with open(source, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise InputError("--config", expected="a readable TOML file",
                         got=f"'{source}' ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"--config {source}", expected="valid TOML", got=str(exc)) from None
    unknown = set(data) - {"options", "override"}
    if unknown:
        raise InputError(f"--config {source}", expected="the tables [options] and "
                         "[[override]]", got=", ".join(sorted(unknown)),
                         fix="move the keys into [options] or an [[override]]")
    options = _normalise(data.get("options", {}), f"{source} [options]", source.parent)
    options.update(base)
    check_options(options, f"{source} [options]")
    overrides = []
    for i, table in enumerate(data.get("override", []), 1):
        where = f"{source} [[override]] #{i}"
        table = dict(table)
        pattern = table.pop("pattern", None)
        if not isinstance(pattern, str) or not pattern:
            raise InputError(where, expected="pattern = \"glob/of/names/*.png\"",
                             got=repr(pattern), fix="add a pattern key")
        extra = _normalise(table, where, source.parent)
        check_options({**options, **extra}, where)
        overrides.append((pattern, extra))
    return BatchConfig(options, tuple(overrides))
