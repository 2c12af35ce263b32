"""Watch a static camera: events with pictures and clips for anything that enters.

::

    from spotdiff.watch import WatchConfig, watch
    result = watch("camera.mp4", WatchConfig(min_area=200), out_dir="events")

The services, one module each: :mod:`~spotdiff.watch.source` (frames and
camera events), :mod:`~spotdiff.watch.detect` (background model or clean
snapshot -> regions), :mod:`~spotdiff.watch.track` (regions -> events),
:mod:`~spotdiff.watch.store` (SQLite + sidecars), :mod:`~spotdiff.watch.media`
(snapshots and clips); :mod:`~spotdiff.watch.service` joins them.
"""

from __future__ import annotations

from spotdiff.watch.config import FIELDS, WatchConfig, Zone
from spotdiff.watch.service import Retention, Watcher, WatchResult, watch

__all__ = ["FIELDS", "Retention", "WatchConfig", "WatchResult", "Watcher", "Zone", "watch"]
