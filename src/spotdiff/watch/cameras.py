"""Several cameras from one TOML file, each watched in a thread of its own.

::

    [defaults]                 # optional: any camera key, for every camera
    min_area = 100

    [cameras.door]
    source = "rtsp://127.0.0.1:8554/door"   # or a file, a folder, a webcam index
    model = "consensus"
    zones = { porch = "0,300 640,300 640,480 0,480" }
    masks = ["0,0 640,0 640,40 0,40"]       # never watched (e.g. the timestamp)
    hold = 600

Keys are the fields of :class:`~spotdiff.watch.config.WatchConfig` (see
``spotdiff.watch.config.FIELDS`` for ranges) plus ``source``; errors name the
key and the camera.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spotdiff.errors import InputError
from spotdiff.watch.config import WatchConfig, Zone

_KEYS = {f.name for f in dataclasses.fields(WatchConfig)} - {"camera"}


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        from spotdiff.errors import require

        tomllib = require("tomli", feature="reading camera config files", extra="watch")
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise InputError(f"config file '{path}'", expected="an existing TOML file",
                         got="no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file '{path}'", expected="valid TOML", got=str(exc)) from None


def _polygon(text: Any, where: str) -> tuple[tuple[int, int], ...]:
    try:
        points = tuple(tuple(int(round(float(v))) for v in p.split(","))
                       for p in str(text).replace(";", " ").split())
        if len(points) < 3 or any(len(p) != 2 for p in points):
            raise ValueError
    except ValueError:
        raise InputError(where, expected="a polygon 'X,Y X,Y X,Y' (at least 3 points)",
                         got=repr(text)) from None
    return points  # type: ignore[return-value]


def camera_config(name: str, table: dict[str, Any], base: Path) -> tuple[str, WatchConfig]:
    """(source, config) of one camera's table; paths are relative to ``base``."""
    unknown = sorted(set(table) - _KEYS - {"source"})
    if unknown:
        raise InputError(f"key '{unknown[0]}' of camera '{name}'",
                         expected="one of source, " + ", ".join(sorted(_KEYS)),
                         got=repr(unknown[0]), fix="check its spelling")
    if "source" not in table:
        raise InputError(f"camera '{name}'", expected="a 'source' key", got="none")
    values = dict(table)
    source = values.pop("source")
    if isinstance(source, str) and "://" not in source and not source.isdigit():
        source = str(base / source)
    zones = values.pop("zones", {})
    if not isinstance(zones, dict):
        raise InputError(f"key 'zones' of camera '{name}'",
                         expected="a table NAME = 'X,Y X,Y X,Y'", got=repr(zones))
    values["zones"] = tuple(Zone(z, _polygon(p, f"zone '{z}' of camera '{name}'"))
                            for z, p in zones.items())
    masks = values.pop("masks", [])
    if not isinstance(masks, list):
        raise InputError(f"key 'masks' of camera '{name}'", expected="a list of polygons",
                         got=repr(masks))
    values["masks"] = tuple(_polygon(m, f"a mask of camera '{name}'") for m in masks)
    for key in ("background", "mask_image"):
        if isinstance(values.get(key), str):
            values[key] = str(base / values[key])
    try:
        return source, WatchConfig(camera=name, **values)
    except TypeError as exc:
        raise InputError(f"camera '{name}'", expected="values of the right types",
                         got=str(exc)) from None


def load_cameras(path: str | os.PathLike) -> list[tuple[str, WatchConfig]]:
    """The cameras of a TOML config file, validated."""
    path = Path(path)
    data = _load_toml(path)
    unknown = sorted(set(data) - {"defaults", "cameras"})
    if unknown:
        raise InputError(f"table '{unknown[0]}' of '{path}'",
                         expected="[defaults] and [cameras.NAME] tables", got=repr(unknown[0]))
    cameras = data.get("cameras")
    if not isinstance(cameras, dict) or not cameras:
        raise InputError(f"config file '{path}'", expected="at least one [cameras.NAME] table",
                         got="none")
    defaults = data.get("defaults", {})
    return [camera_config(name, {**defaults, **table}, path.parent)
            for name, table in cameras.items()]


def watch_cameras(cameras: list[tuple[str, WatchConfig]], *, out_dir: str | os.PathLike | None,
                  emit: Callable[[dict[str, Any]], None] | None = None,
                  signals: bool = False, alerts: Any = None,
                  attach: Callable[[Any], None] | None = None) -> list[Any]:
    """Watch several cameras at once (a thread each, one store); returns their results.
    ``alerts`` (an :class:`~spotdiff.watch.alerts.AlertOptions`): where events are sent;
    ``attach`` is called with each ``Watcher`` before it runs."""
    from spotdiff.watch.alerts.deliver import alert_targets, delivering
    from spotdiff.watch.service import Watcher, _stopped_by_signals
    from spotdiff.watch.source import open_source
    from spotdiff.watch.store import Store

    lock = threading.Lock()

    def locked(record: dict[str, Any]) -> None:
        if emit is not None:
            with lock:
                emit(record)

    stores, watchers = [], []
    try:
        for source, config in cameras:
            store = Store(out_dir, targets=alert_targets(alerts, out_dir))
            stores.append(store)
            src = open_source(source, name=config.camera, fps=config.fps,
                              realtime=config.realtime)
            watchers.append(Watcher(src, config, store, locked))
            if attach is not None:
                attach(watchers[-1])
        stores[0].recover()
        results: list[Any] = [None] * len(watchers)
        errors: list[BaseException] = []

        def work(k: int) -> None:
            try:
                results[k] = watchers[k].run()
            except BaseException as exc:  # noqa: BLE001 - reported by the caller
                errors.append(exc)
                for w in watchers:
                    w.stop()

        threads = [threading.Thread(target=work, args=(k,), name=f"watch-{w.camera}")
                   for k, w in enumerate(watchers)]

        class _All:
            def stop(self) -> None:
                for w in watchers:
                    w.stop()

        with delivering(alerts, out_dir), \
                _stopped_by_signals(_All(), signals):  # type: ignore[arg-type]
            for t in threads:
                t.start()
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
        if errors:
            raise errors[0]
        return results
    finally:
        for store in stores:
            store.close_db()
