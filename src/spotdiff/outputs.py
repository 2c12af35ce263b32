"""A compare's outputs: its pictures and its JSON, written all or nothing.

The command line's ``-o DIR`` and ``--diff-image FILE`` write through
:func:`write_outputs`, and so can any other front end (a batch runner, a
test plugin): every file is rendered and encoded first, then all are written
together (:func:`spotdiff.io.write.write_files`), so a failed picture never
leaves the others behind. Importing this module loads neither numpy nor
OpenCV (the command line reads the names below at start-up).

The pictures are encoded in parallel threads (OpenCV and the PNG encoders
release the GIL), each as soon as it is drawn. Pictures for the eye (heat map, boxes,
overlay, extract) of a pair larger than a full-HD screen are drawn at that
size (each side of boxes too), which keeps a 4K photo pair's pictures a few
MB and their cost small next to the compare; ``mask.png`` (data for
scripts), pixelmatch's picture and ``--diff-image`` keep the diff's size.
The scenes, map and mask of the pictures for the eye are scaled down once,
after the full-size pictures are drawn, and an :class:`OutputSet` then lets
the diff go (the command line keeps no reference of its own): a 4K pair's
full-size images and map are freed before those pictures are drawn and
encoded.
"""

from __future__ import annotations

import json
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    import os
    from typing import Any

    from spotdiff.result import Diff

#: The pictures ``-o DIR`` can write (see spotdiff.render.pictures.PICTURES).
PICTURES = ("mask", "heatmap", "boxes", "overlay", "extract", "pixelmatch")
DEFAULT_PICTURES = ("mask", "heatmap", "boxes", "overlay")
#: The picture a single diff image shows: AFTER faded, the changes tinted
#: (what odiff's and pixelmatch's diff image shows); pixelmatch's own for
#: the ``pixel`` method.
DIFF_IMAGE_PICTURE = "overlay"
#: Name of the JSON summary in an output folder.
RESULT_JSON = "result.json"
#: At most this many pixels in each scene of a picture for the eye in ``-o DIR``
#: (a full-HD screen's); larger pairs are drawn scaled down (aspect kept).
PICTURE_PIXELS = 1920 * 1080
#: The pictures drawn at the diff's own size whatever its size.
FULL_SIZE_PICTURES = ("mask", "pixelmatch")


def output_files(
    diff: Diff, payload: dict[str, Any], *, out_dir: str | os.PathLike | None = None,
    pictures: tuple[str, ...] | list[str] = DEFAULT_PICTURES,
    diff_image: str | os.PathLike | None = None,
    pixelmatch_style: dict[str, Any] | None = None,
) -> dict[Path, bytes]:
    """The files of a compare, rendered and encoded: path -> bytes.

    ``out_dir`` gets ``result.json`` (``payload``, the JSON summary) and one
    PNG per name in ``pictures``; ``diff_image`` one picture (format from
    its ending). ``pixelmatch_style`` styles pixelmatch's picture
    (:class:`~spotdiff.render.pixelmatch.PixelmatchDiffAnnotator`'s options).
    """
    return OutputSet(diff, payload, out_dir=out_dir, pictures=pictures, diff_image=diff_image,
                     pixelmatch_style=pixelmatch_style).render()


class OutputSet:
    """The files of one compare (see :func:`output_files` for the arguments),
    rendered once by :meth:`render` or written by :meth:`write`.

    It holds the diff only as long as it needs it: the pictures drawn at the
    diff's own size are drawn first, then the inputs of the pictures for the
    eye are scaled down once (:func:`spotdiff.render.pictures.at_size`) and
    the diff is let go. A caller that drops its own reference once the set
    is made (the command line) frees the full-size images and map before
    the pictures for the eye are drawn and encoded.
    """

    def __init__(
        self, diff: Diff, payload: dict[str, Any], *, out_dir: str | os.PathLike | None = None,
        pictures: tuple[str, ...] | list[str] = DEFAULT_PICTURES,
        diff_image: str | os.PathLike | None = None,
        pixelmatch_style: dict[str, Any] | None = None,
    ) -> None:
        self._diff: Diff | None = diff
        self._pixelmatch_style = pixelmatch_style
        self._text = None if out_dir is None else json.dumps(payload, indent=2, allow_nan=False)
        self._json = None if out_dir is None else Path(out_dir) / RESULT_JSON
        # path -> (picture, scaled down, file ending), in the order asked for
        self._wanted: dict[Path, tuple[str, bool, str]] = {}
        if out_dir is not None:
            folder = Path(out_dir)
            for name in pictures:
                self._wanted[folder / f"{name}.png"] = (name, name not in FULL_SIZE_PICTURES,
                                                        ".png")
        if diff_image is not None:
            target = Path(diff_image)
            # pixelmatch users expect pixelmatch's picture
            name = "pixelmatch" if diff.method == "pixel" else DIFF_IMAGE_PICTURE
            self._wanted[target] = (name, False, target.suffix)

    def render(self) -> dict[Path, bytes]:
        """Draw and encode the files: path -> bytes (once: the diff is let go)."""
        from concurrent.futures import ThreadPoolExecutor

        from spotdiff.io import encode_image
        from spotdiff.render import pictures as pics

        diff, self._diff = self._diff, None
        if diff is None:
            raise RuntimeError("an OutputSet is rendered once")
        small = pics.fit_size(diff.mask.shape, PICTURE_PIXELS)
        # the pictures drawn from the full-size diff first, then those of it scaled down
        first = [p for p, (_, scaled, _) in self._wanted.items() if not (scaled and small)]
        later = [p for p in self._wanted if p not in first]
        contents: dict[Path, bytes] = dict.fromkeys(self._wanted, b"")  # the order asked for
        if self._wanted:
            # drawn one after the other, each encoded in a thread as soon as it
            # is drawn; at most one picture per thread waits (memory stays bounded)
            threads = max(1, min(len(self._wanted), _cores()))
            with ThreadPoolExecutor(threads) as pool:
                pending: dict[Path, Any] = {}

                def encode(path: Path, picture: Any) -> None:
                    if len(pending) >= threads:
                        done = next(iter(pending))
                        contents[done] = pending.pop(done).result()
                    pending[path] = pool.submit(encode_image, picture, self._wanted[path][2])

                for path in first:
                    encode(path, self._draw(self._wanted[path][0], diff))
                if later:
                    names = [self._wanted[path][0] for path in later]
                    parts = tuple(sorted({part for n in names for part in pics.READS[n]}))
                    heat = pics.heat_scale(diff) if "heatmap" in names else None
                    diff = pics.at_size(diff, small, parts)  # the full-size diff goes here
                    for path in later:
                        encode(path, self._draw(self._wanted[path][0], diff, heat))
                del diff
                contents.update((path, future.result()) for path, future in pending.items())
        if self._json is not None:
            contents[self._json] = (self._text + "\n").encode()  # strict JSON: never NaN
        return contents

    def write(self) -> list[Path]:
        """Render and write the files all or nothing (folders created); the paths written."""
        contents = self.render()
        if contents:
            from spotdiff.io import write_files

            for folder in {path.parent for path in contents}:
                folder.mkdir(parents=True, exist_ok=True)
            write_files(contents)
        return list(contents)

    def _draw(self, name: str, diff: Diff, heat: float | None = None) -> Any:  # an ndarray
        """The picture ``name`` of ``diff`` at its own size (``heat``: the heat map's scale)."""
        from spotdiff.render import pictures as pics

        if name == "pixelmatch":
            from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

            return pics.pixelmatch(diff, PixelmatchDiffAnnotator(**(self._pixelmatch_style or {})))
        if name == "heatmap" and heat is not None:
            from spotdiff.render.annotators import HeatmapAnnotator

            return pics.PICTURES[name](diff, HeatmapAnnotator(vmax=heat))  # type: ignore[call-arg]
        return pics.PICTURES[name](diff)


def _cores() -> int:
    """The cores this process may run on."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def write_outputs(diff: Diff, payload: dict[str, Any], **where: Any) -> list[Path]:
    """Render and write a compare's files all or nothing (folders created);
    ``where`` as for :func:`output_files`. Returns the paths written."""
    return OutputSet(diff, payload, **where).write()
