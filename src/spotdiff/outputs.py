"""A compare's outputs: its pictures and its JSON, written all or nothing.

The command line's ``-o DIR`` and ``--diff-image FILE`` write through
:func:`write_outputs`, and so can any other front end (a batch runner, a
test plugin): every file is rendered and encoded first, then all are written
together (:func:`spotdiff.io.write.write_files`), so a failed picture never
leaves the others behind. Importing this module loads neither numpy nor
OpenCV (the command line reads the names below at start-up).
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
    from spotdiff.io import encode_image
    from spotdiff.render import pictures as pics

    def picture(name: str):  # noqa: ANN202 - an ndarray
        if name == "pixelmatch":
            from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

            return pics.pixelmatch(diff, PixelmatchDiffAnnotator(**(pixelmatch_style or {})))
        return pics.PICTURES[name](diff)

    contents: dict[Path, bytes] = {}
    if out_dir is not None:
        folder = Path(out_dir)
        contents.update((folder / f"{name}.png", encode_image(picture(name), ".png"))
                        for name in pictures)
        text = json.dumps(payload, indent=2, allow_nan=False)  # strict JSON: never NaN
        contents[folder / RESULT_JSON] = (text + "\n").encode()
    if diff_image is not None:
        target = Path(diff_image)
        # pixelmatch users expect pixelmatch's picture
        name = "pixelmatch" if diff.method == "pixel" else DIFF_IMAGE_PICTURE
        contents[target] = encode_image(picture(name), target.suffix)
    return contents


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
