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
    from concurrent.futures import ThreadPoolExecutor

    from spotdiff.io import encode_image
    from spotdiff.render import pictures as pics

    def picture(name: str, size: pics.Size = None):  # noqa: ANN202 - an ndarray
        if name == "pixelmatch":
            from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

            return pics.pixelmatch(diff, PixelmatchDiffAnnotator(**(pixelmatch_style or {})))
        if name == "mask":
            return pics.mask(diff)
        return pics.PICTURES[name](diff, size=size)  # type: ignore[call-arg]

    # path -> (picture, size, file ending): drawn and encoded in parallel
    wanted: dict[Path, tuple[str, pics.Size, str]] = {}
    if out_dir is not None:
        folder = Path(out_dir)
        small = pics.fit_size(diff.mask.shape, PICTURE_PIXELS)
        for name in pictures:
            size = None if name in FULL_SIZE_PICTURES else small
            wanted[folder / f"{name}.png"] = (name, size, ".png")
    if diff_image is not None:
        target = Path(diff_image)
        # pixelmatch users expect pixelmatch's picture
        name = "pixelmatch" if diff.method == "pixel" else DIFF_IMAGE_PICTURE
        wanted[target] = (name, None, target.suffix)

    contents: dict[Path, bytes] = {}
    if wanted:
        # drawn one after the other, each encoded in a thread as soon as it
        # is drawn; at most one picture per thread waits (memory stays bounded)
        threads = max(1, min(len(wanted), _cores()))
        with ThreadPoolExecutor(threads) as pool:
            pending: dict[Path, Any] = {}
            for path, (name, size, suffix) in wanted.items():
                if len(pending) >= threads:
                    first = next(iter(pending))
                    contents[first] = pending.pop(first).result()
                pending[path] = pool.submit(encode_image, picture(name, size), suffix)
            contents.update((path, future.result()) for path, future in pending.items())
    if out_dir is not None:
        text = json.dumps(payload, indent=2, allow_nan=False)  # strict JSON: never NaN
        contents[Path(out_dir) / RESULT_JSON] = (text + "\n").encode()
    return contents


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
    contents = output_files(diff, payload, **where)
    if contents:
        from spotdiff.io import write_files

        for folder in {path.parent for path in contents}:
            folder.mkdir(parents=True, exist_ok=True)
        write_files(contents)
    return list(contents)
