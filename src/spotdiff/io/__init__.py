"""Reading and writing images: decoding, alpha, bit depth, EXIF orientation."""

from spotdiff.io.image import Image, load_image, sniff_format
from spotdiff.io.write import (
    encode_image,
    write_files,
    write_image,
    write_json,
    written_atomically,
    written_together,
)

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
