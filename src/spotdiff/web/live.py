"""The live folder: how a running watch and the web page talk, through files.

A watch writing into ``DIR`` keeps, per camera, ``DIR/live/KEY/``:

* ``status.json`` (a few times a second): the camera's name, the frame index
  and time, the frame's size, the regions of the frame, its zones and masks,
  the foreground fraction, the guard's decision, the tuning it runs with and
  the config file it came from;
* ``frame.jpg``, ``background.jpg``, ``difference.jpg`` and ``mask.png``
  (the frame, and what the detector sees at its working size), written with
  the status all or nothing, only while a page is open (the server touches
  ``DIR/live/viewer`` at each request), so a watch nobody looks at pays
  nothing for them.

The server writes ``tuning.json`` beside them; the watch reads it when its
modification time changes and applies it from the next frame
(:meth:`spotdiff.watch.Watcher.retune`). ``spotdiff serve -o DIR`` in another
process and ``spotdiff watch ... --serve`` in the same one use the same files.
``KEY`` is the camera's name made safe for a path and a URL, with a hash of
the name so that two names never share a folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time as wallclock
from pathlib import Path
from typing import Any

import numpy as np

from spotdiff.errors import InputError

log = logging.getLogger("spotdiff.web")

#: Seconds between two status writes of a camera.
PUBLISH_EVERY = 0.2

#: A page counts as open this many seconds after its last request.
VIEWER_TIMEOUT = 10.0

#: Longest side of the live frame sent to the page.
FRAME_SIDE = 960

PICTURES = ("frame.jpg", "background.jpg", "difference.jpg", "mask.png")


def live_root(out_dir: str | Path) -> Path:
    return Path(out_dir) / "live"


def camera_key(name: str) -> str:
    """A folder and URL name for a camera: its safe characters and a hash."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:40] or "camera"
    return f"{safe}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def touch_viewer(out_dir: str | Path) -> None:
    """Tell the watches that a page is open."""
    path = live_root(out_dir) / "viewer"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:  # a read-only folder: the page shows the status alone
        pass


def viewer_open(out_dir: str | Path) -> bool:
    try:
        age = wallclock.time() - (live_root(out_dir) / "viewer").stat().st_mtime
    except OSError:
        return False
    return age < VIEWER_TIMEOUT


def _colour_difference(difference: np.ndarray) -> np.ndarray:
    """A difference map as an RGB picture (OpenCV's 'inferno', scaled to its 99th percentile)."""
    import cv2

    from spotdiff.render.annotators import rgb_colormap

    top = float(np.percentile(difference, 99)) if difference.size else 0.0
    scaled = np.clip(difference * (255.0 / max(top, 1e-6)), 0, 255).astype(np.uint8)
    return cv2.applyColorMap(scaled, rgb_colormap(cv2.COLORMAP_INFERNO))


class Publisher:
    """The watch's side, set as a :class:`~spotdiff.watch.Watcher`'s ``on_frame``:
    writes the camera's live status and pictures, and applies ``tuning.json``.

    ``config_file``: the TOML file the camera came from (the page saves its
    tuning there), or None.
    """

    def __init__(self, out_dir: str | Path, watcher: Any, config_file: str | Path | None = None
                 ) -> None:
        self.out_dir = Path(out_dir)
        self.watcher = watcher
        self.name = watcher.camera
        self.folder = live_root(out_dir) / camera_key(self.name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_file = None if config_file is None else str(Path(config_file).resolve())
        self._last = 0.0
        self._tuning_mtime: float | None = None
        self._tuning_error = ""
        self._seq = 0
        self._broken = False
        (self.folder / "tuning.json").unlink(missing_ok=True)  # an old run's wish

    @classmethod
    def attach(cls, out_dir: str | Path, config_file: str | Path | None = None) -> Any:
        """A function for ``watch(..., attach=)``: each watcher gets its publisher."""
        def attach(watcher: Any) -> None:
            watcher.on_frame = cls(out_dir, watcher, config_file)
        return attach

    def __call__(self, frame: Any, detection: Any) -> None:
        now = wallclock.monotonic()
        if now - self._last < PUBLISH_EVERY or self._broken:
            return
        self._last = now
        try:  # the status of this frame, with the tuning that detected it
            self._publish(frame, detection)
        except OSError as exc:  # disk full: the page goes stale, detection goes on
            log.error("spotdiff watch: cannot write the live view (%s); detection goes on", exc)
            self._broken = True
        self._take_tuning()  # from the next frame on

    # -- tuning from the page ----------------------------------------------------------------
    def _take_tuning(self) -> None:
        from spotdiff.web.tuning import Tuning

        path = self.folder / "tuning.json"
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return
        if mtime == self._tuning_mtime:
            return
        self._tuning_mtime = mtime
        try:
            tuning = Tuning.from_json(json.loads(path.read_text(encoding="utf-8")))
            self.watcher.retune(tuning.apply(self.watcher.config))
            self._tuning_error = ""
        except (OSError, ValueError) as exc:  # InputError is a ValueError
            self._tuning_error = str(exc)

    # -- the status and pictures ---------------------------------------------------------------
    def status(self, frame: Any, detection: Any) -> dict[str, Any]:
        from spotdiff.watch.track import regions_to_list
        from spotdiff.web.tuning import Tuning, threshold_option

        cfg = self.watcher.config
        h, w = frame.pixels.shape[:2]
        return {
            "camera": self.name, "key": self.folder.name, "seq": self._seq,
            "frame": frame.index, "time": round(frame.time, 3), "wall": wallclock.time(),
            "width": w, "height": h, "fps": self.watcher.fps,
            "regions": regions_to_list(detection.regions),
            "fraction": round(detection.fraction, 4), "decision": detection.decision,
            "open_events": sorted(self.watcher.open),
            "model": None if cfg.background is not None else cfg.model,
            "threshold_option": threshold_option(cfg),
            "tuning": Tuning.of(cfg).to_dict(), "tuning_error": self._tuning_error,
            "masks": [[list(p) for p in m] for m in cfg.masks],
            "config_file": self.config_file,
        }

    def _publish(self, frame: Any, detection: Any) -> None:
        from spotdiff.io.write import write_files

        files: dict[Path, bytes] = {}
        pictures = viewer_open(self.out_dir)
        if pictures:
            self._seq += 1
            files.update(self._pictures(frame.pixels))
        status = self.status(frame, detection)
        status["pictures"] = pictures
        files[self.folder / "status.json"] = json.dumps(status).encode("utf-8")
        write_files(files)

    def _pictures(self, pixels: np.ndarray) -> dict[Path, bytes]:
        import cv2

        from spotdiff.io.write import encode_image

        background, difference, mask = self.watcher.detector.view()
        h, w = pixels.shape[:2]
        scale = min(1.0, FRAME_SIDE / max(h, w))
        if scale < 1.0:
            pixels = cv2.resize(pixels, (round(w * scale), round(h * scale)),
                                interpolation=cv2.INTER_AREA)
        work = (mask.shape[1], mask.shape[0]) if mask is not None else (pixels.shape[1],
                                                                        pixels.shape[0])
        blank = np.zeros((work[1], work[0], 3), np.uint8)
        if background is not None and background.ndim == 3 and background.shape[2] == 1:
            background = np.repeat(background, 3, axis=2)
        return {
            self.folder / "frame.jpg": encode_image(pixels, ".jpg"),
            self.folder / "background.jpg": encode_image(
                blank if background is None else background, ".jpg"),
            self.folder / "difference.jpg": encode_image(
                blank if difference is None else _colour_difference(difference), ".jpg"),
            self.folder / "mask.png": encode_image(
                blank[:, :, 0] if mask is None else mask.view(np.uint8) * np.uint8(255), ".png"),
        }


# -- the server's side -----------------------------------------------------------------------
def cameras(out_dir: str | Path) -> list[dict[str, Any]]:
    """The status of every camera that wrote into ``out_dir`` (``age``: seconds since)."""
    out: list[dict[str, Any]] = []
    root = live_root(out_dir)
    if not root.is_dir():
        return out
    now = wallclock.time()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            status = json.loads((folder / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        status["key"] = folder.name
        status["age"] = round(now - status.get("wall", 0), 1)
        out.append(status)
    return out


def camera(out_dir: str | Path, key: str) -> dict[str, Any]:
    """One camera's status by key; InputError when there is none."""
    for status in cameras(out_dir):
        if status.get("key") == key:
            return status
    raise InputError(f"camera '{key}'", expected="a camera that wrote into this folder",
                     got="none")


def write_tuning(out_dir: str | Path, key: str, tuning: Any) -> None:
    """Ask the camera's watch to use ``tuning`` (a :class:`~spotdiff.web.tuning.Tuning`)."""
    from spotdiff.io.write import write_json

    write_json(live_root(out_dir) / key / "tuning.json", tuning.to_dict())
