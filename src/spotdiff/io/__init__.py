"""Reading and writing images: decoding, alpha, bit depth, EXIF orientation.

The names below are imported on first use (PEP 562), so that the
numpy-free :mod:`spotdiff.io.header` can be imported without the decoders.
"""

from __future__ import annotations

from spotdiff._lazy import lazy_names

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)

__all__ = [
    "Image",
    "encode_image",
    "load_image",
    "sniff_format",
    "write_files",
    "write_image",
    "write_json",
    "written_atomically",
    "written_together",
]

#: Public name -> the module that defines it.
_LAZY = {
    "Image": "spotdiff.io.image",
    "load_image": "spotdiff.io.image",
    "sniff_format": "spotdiff.io.image",
    "encode_image": "spotdiff.io.write",
    "write_files": "spotdiff.io.write",
    "write_image": "spotdiff.io.write",
    "write_json": "spotdiff.io.write",
    "written_atomically": "spotdiff.io.write",
    "written_together": "spotdiff.io.write",
}

if TYPE_CHECKING:  # static checkers and IDEs see ordinary imports
    from spotdiff.io.image import Image, load_image, sniff_format
    from spotdiff.io.write import (
        encode_image,
        write_files,
        write_image,
        write_json,
        written_atomically,
        written_together,
    )


__getattr__, __dir__ = lazy_names(
    __name__, _LAZY, set(__all__) | {"alpha", "header", "image", "video", "write"})
