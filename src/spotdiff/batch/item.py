"""One item of a batch: compare the pair, write its pictures, return its record.

:func:`run_item` runs in a worker (a process of the pool, or a Ray actor):
it holds one pair's pixels at a time and returns only the small record, so
memory is bounded by the jobs in flight. The record is also written to
``items/<id>/record.json``, last, which marks the item done for ``--resume``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from spotdiff.batch.pairing import Pair

#: Item states, in the order the report lists them.
STATES = ("error", "changed", "new", "deleted", "unchanged")
#: Width (pixels) of the thumbnails in the report's list.
THUMB_WIDTH = 240
#: At most this many pixels in a changed item's heat map and mask (a 1080p
#: pair's at half size): pictures for the eye, stretched over the images.
MAP_PIXELS = 960 * 540
#: Formats a browser shows as they are: copied into the report unchanged.
_BROWSER_FORMATS = (".png", ".jpg", ".jpeg", ".webp", ".gif")


def item_id(name: str) -> str:
    """The item's folder name under ``items/``: a hash of its name, so no
    name can reach outside the report or collide with another on any file
    system."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:20]


def options_key(options: dict[str, Any]) -> str:
    """A fingerprint of an item's options (``--resume`` redoes an item whose
    options changed)."""
    text = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_sha256(path: str | None) -> str | None:
    """The SHA-256 of a file (what ``spotdiff approve`` checks before it
    copies CURRENT over BASELINE)."""
    if path is None:
        return None
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def file_stamps(pair: Pair) -> dict[str, list[int] | None]:
    """Size and modification time (ns) of the pair's files: ``--resume``
    redoes an item whose files changed since it was compared."""
    import os

    def stamp(path: str | None) -> list[int] | None:
        if path is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        return [info.st_size, info.st_mtime_ns]

    return {"before": stamp(pair.before), "after": stamp(pair.after)}


def _thumbnail(image: Any, shape: tuple[int, int], boxes: Any = ()) -> bytes:
    """A JPEG of ``image`` (in a diff's (H, W) frame) :data:`THUMB_WIDTH`
    pixels wide, with ``boxes`` (x0, y0, x1, y1 in the frame's pixels) outlined."""
    import cv2

    from spotdiff.io import encode_image
    from spotdiff.render.pictures import scene

    h, w = shape
    scale = min(1.0, THUMB_WIDTH / w)
    size = (THUMB_WIDTH, max(1, round(h * scale))) if scale < 1.0 else None
    rgb = scene(image, shape, size)
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(rgb, (int(x0 * scale), int(y0 * scale)),
                      (max(int(x0 * scale) + 1, int(x1 * scale) - 1),
                       max(int(y0 * scale) + 1, int(y1 * scale) - 1)), (255, 23, 68), 1)
    return encode_image(rgb, ".jpg")


def _display_copy(source: str, image: Any, stem: str) -> tuple[str, bytes | Path]:
    """The file name and contents of ``source`` as the report shows it: the
    file itself (copied) when a browser can show it, else a PNG's bytes."""
    suffix = Path(source).suffix.lower()
    if suffix in _BROWSER_FORMATS:
        return stem + suffix, Path(source)
    from spotdiff.io import encode_image
    from spotdiff.render import display_rgb

    return stem + ".png", encode_image(display_rgb(image), ".png")


def write_pictures(folder: Path, pair: Pair, diff: Any, status: str) -> dict[str, str]:
    """Write an item's pictures into ``folder``, a new folder of its own
    that :func:`run_item` puts in place whole; returns name -> file name.
    The one place the batch draws and writes pictures.

    The images themselves are copied (a browser shows the file as it is)
    so that the report stands alone: both when the pair differs at all,
    only CURRENT when not a pixel does. Every item whose pixels were
    decoded gets a thumbnail; byte-identical files are never decoded (the
    list says "identical", the viewer shows the copy). A changed item also
    gets its heat map (the colour map alone, as JPEG: a picture for the
    eye) and mask (PNG), both at most :data:`MAP_PIXELS` (the viewer
    stretches them over the images); the viewer draws the region boxes
    itself.
    """
    from spotdiff import render
    from spotdiff.io import encode_image, load_image
    from spotdiff.io.image import same_file_contents
    from spotdiff.io.write import put_file

    files: dict[str, bytes | Path] = {}
    names: dict[str, str] = {}

    def add(key: str, file: str, data: bytes | Path) -> None:
        files[file] = data
        names[key] = file

    if diff is None:  # new or deleted: the one image there is
        key, source = ("after", pair.after) if status == "new" else ("before", pair.before)
        image = load_image(str(source))
        add(key, *_display_copy(str(source), image, key))
        add("thumb", "thumb.jpg", _thumbnail(image, image.pixels.shape[:2]))
    elif same_file_contents(diff.before, diff.after):
        add("after", *_display_copy(str(pair.after), diff.after, "after"))
    else:
        if diff.changed_pixels or status == "changed":
            add("before", *_display_copy(str(pair.before), diff.before, "before"))
        add("after", *_display_copy(str(pair.after), diff.after, "after"))
        boxes: Any = ()
        if status == "changed":
            pics = render.pictures
            size = pics.fit_size(diff.mask.shape, MAP_PIXELS)
            heat = pics.heatmap(diff, render.HeatmapAnnotator(underlay=False), size=size)
            add("heatmap", "heatmap.jpg", encode_image(heat, ".jpg"))
            add("mask", "mask.png", encode_image(pics.mask(diff, size=size), ".png"))
            boxes = diff.regions.xyxy
        # AFTER in BEFORE's frame (the regions' coordinates) when a size policy changed it
        add("thumb", "thumb.jpg", _thumbnail(diff.after, diff.mask.shape, boxes))
    for file, data in files.items():
        put_file(folder / file, data)
    return names


def _new_folder(folder: Path) -> Path:
    """An empty hidden folder beside ``folder`` to write an item in."""
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))


def _put_in_place(written: Path, folder: Path) -> None:
    """Rename the finished folder ``written`` to ``folder``, replacing an
    earlier run's: readers see the old item or the new one, whole."""
    import os

    from spotdiff.io.write import process_umask

    os.chmod(written, 0o777 & ~process_umask())  # mkdtemp makes it private
    try:
        os.rename(written, folder)
    except OSError:  # an earlier item there (a rename does not replace a full folder)
        old = written.with_name(written.name + ".old")
        os.rename(folder, old)
        os.rename(written, folder)
        shutil.rmtree(old, ignore_errors=True)


def _error_text(exc: BaseException) -> str:
    from spotdiff.errors import InputError, MissingExtraError

    if isinstance(exc, (InputError, MissingExtraError)):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot read '{exc.filename}': {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def run_item(pair: Pair, options: dict[str, Any], out: str, *,
             compared: Any = None) -> dict[str, Any]:
    """Compare one pair with ``options``, write its pictures under
    ``out/items/<id>/`` and return its record (never raises for a bad
    item: the record says ``error`` and why).

    The item is written in a new hidden folder beside ``items/<id>/`` and
    renamed to it when complete (its record last): the folder is never
    seen half written, and an earlier run's is replaced whole.

    ``compared``: the pair's compare with ``options`` (a Diff), when the caller already
    ran it (the image snapshot plugin, which compared the pixels it was
    given before writing them to ``pair.after``); it is not run again.
    """
    ident = item_id(pair.name)
    folder = Path(out) / "items" / ident
    record: dict[str, Any] = {
        "name": pair.name, "id": ident, "status": None, "before": pair.before,
        "after": pair.after, "target": pair.target, "compare": None, "error": None,
        "after_sha256": None,
        "seconds": {}, "files": {}, "options_key": options_key(options),
        "stamps": file_stamps(pair),
    }
    written = _new_folder(folder)
    try:
        _compare_and_draw(pair, options, compared, record, written)
    except BaseException:
        shutil.rmtree(written, ignore_errors=True)
        raise
    (written / "record.json").write_text(json.dumps(record, allow_nan=False) + "\n",
                                         encoding="utf-8")
    _put_in_place(written, folder)
    return record


def _compare_and_draw(pair: Pair, options: dict[str, Any], compared: Any,
                      record: dict[str, Any], folder: Path) -> None:
    """Fill ``record`` in: the compare, its pictures written into ``folder``
    (empty and new), and their timings; an item's failure is its record."""
    ident = record["id"]
    diff = None
    start = time.perf_counter()
    try:
        if pair.before is None:
            status = "new"
            record["after_sha256"] = file_sha256(pair.after)
        elif pair.after is None:
            status = "deleted"
        else:
            diff = compared
            if diff is None:
                from spotdiff.engine import compare

                diff = compare(pair.before, pair.after, **options)
            record["after_sha256"] = file_sha256(pair.after)
            record["compare"] = diff.to_dict()
            status = "changed" if diff.different else "unchanged"
        record["seconds"]["compare"] = round(time.perf_counter() - start, 6)
        start = time.perf_counter()
        names = write_pictures(folder, pair, diff, status)
        record["files"] = {k: f"items/{ident}/{v}" for k, v in names.items()}
        record["seconds"]["pictures"] = round(time.perf_counter() - start, 6)
        record["status"] = status
    except Exception as exc:  # noqa: BLE001 - an item's failure is its record
        record.update(status="error", error=_error_text(exc), compare=None, files={})
        for leftover in folder.iterdir():  # the pictures written before it failed
            leftover.unlink()
